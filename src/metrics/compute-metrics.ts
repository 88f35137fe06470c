import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { SyncRunCounts } from '../warehouse/tables.js';
import { computeAttainmentMetrics } from './attainment-metrics.js';
import { computeFairnessMetrics } from './fairness-metrics.js';
import { computeForecastMetrics } from './forecast-metrics.js';
import { recordForecastSnapshot } from './snapshots.js';

/**
 * The compute stage: every metric that is pushed back or cached is recomputed here, set-based,
 * from the warehouse, into `metric_values`. Each module owns its metrics; this only sequences
 * them and times them. What of it reaches the CRM is the push stage's diff, which reads
 * `metric_values` and nothing of this code.
 */
export interface ComputeOptions {
  readonly asOf: Date;
  readonly runId: number | null;
  /** Computed under --as-of (a replay): snapshots are marked and never scored. */
  readonly replay: boolean;
}

type Computation = (db: Db, connection: Connection, options: ComputeOptions) => Promise<void>;

const computations: readonly (readonly [string, Computation])[] = [
  ['attainment', computeAttainmentMetrics],
  ['fairness', computeFairnessMetrics],
  ['forecast', forecastStep],
];

/**
 * The snapshot and the pushed forecast values describe the same quarter as of the same moment:
 * simulate once and use it for both. Under --as-of the snapshot replays deal states from history
 * while the pushed values keep today's deals, so there each computes its own.
 */
async function forecastStep(db: Db, connection: Connection, options: ComputeOptions): Promise<void> {
  const forecast = await recordForecastSnapshot(db, connection, options);
  await computeForecastMetrics(db, connection, { ...options, ...(!options.replay && { forecast }) });
}

export async function computeMetrics(
  db: Db,
  connection: Connection,
  options: ComputeOptions,
): Promise<SyncRunCounts> {
  const counts: SyncRunCounts = {};
  for (const [name, compute] of computations) {
    const started = performance.now();
    await compute(db, connection, options);
    counts[`computeMs_${name}`] = Math.round(performance.now() - started);
  }
  return counts;
}
