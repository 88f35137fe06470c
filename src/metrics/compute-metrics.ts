import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import {
  type FingerprintTable,
  fingerprintOf,
  saveFingerprint,
  storedFingerprints,
  tableVersions,
} from '../warehouse/compute-fingerprints.js';
import type { SyncRunCounts } from '../warehouse/tables.js';
import { computeAttainmentMetrics } from './attainment-metrics.js';
import { computeFairnessMetrics } from './fairness-metrics.js';
import { computeForecastMetrics } from './forecast-metrics.js';
import { recordForecastSnapshot } from './snapshots.js';

/**
 * The compute stage: every metric that is pushed back or cached is computed here, set-based,
 * from the warehouse, into `metric_values`. Each module owns its metrics; this only sequences
 * them, times them, and skips a step whose inputs have not changed since it last ran. What of it
 * reaches the CRM is the push stage's diff, which reads `metric_values` and nothing of this code.
 */
export interface ComputeOptions {
  readonly asOf: Date;
  readonly runId: number | null;
  /** Computed under --as-of (a replay): snapshots are marked and never scored. */
  readonly replay: boolean;
  /** Run every step even when its inputs match the last compute. */
  readonly force?: boolean;
  /** Told as each step starts, with its place among the steps (progress). */
  readonly onStep?: (step: { readonly name: string; readonly index: number; readonly total: number }) => void;
}

type Computation = (db: Db, connection: Connection, options: ComputeOptions) => Promise<void>;

interface Step {
  readonly name: string;
  readonly compute: Computation;
  /**
   * Bump when the step's rules change, so stored values computed by the old rules are redone.
   * Part of the fingerprint with the inputs.
   */
  readonly rules: number;
  /** Tables the step reads and does not write. */
  readonly reads: readonly FingerprintTable[];
  /**
   * Tables the step reads and also writes (the forecast's accuracy scores and change log): their
   * version is taken again after the step, so its own writes do not count as a change next time.
   */
  readonly readsOwn: readonly FingerprintTable[];
}

const DEAL_INPUTS = [
  'deals',
  'deal_history',
  'deal_splits',
  'stages',
  'pipelines',
  'owners',
  'owner_teams',
  'teams',
  'quotas',
] as const;

const steps: readonly Step[] = [
  { name: 'attainment', compute: computeAttainmentMetrics, rules: 1, reads: DEAL_INPUTS, readsOwn: [] },
  {
    name: 'fairness',
    compute: computeFairnessMetrics,
    rules: 1,
    reads: ['leads', 'lead_assignments', 'owners', 'owner_settings'],
    readsOwn: [],
  },
  {
    name: 'forecast',
    compute: forecastStep,
    rules: 1,
    reads: DEAL_INPUTS,
    readsOwn: ['forecast_accuracy', 'forecast_snapshots', 'forecast_deal_state', 'forecast_deal_changes'],
  },
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

/** What every step depends on beside its tables: the connection's settings and the instant. */
function contextParts(connection: Connection, options: ComputeOptions): string[] {
  return [
    options.asOf.toISOString(),
    String(options.replay),
    JSON.stringify([
      connection.timeZone,
      connection.fiscalYearStartMonth,
      connection.currency,
      connection.multiCurrency,
      connection.settings,
    ]),
  ];
}

export async function computeMetrics(
  db: Db,
  connection: Connection,
  options: ComputeOptions,
): Promise<SyncRunCounts> {
  const counts: SyncRunCounts = {};
  const checkStarted = performance.now();
  const tables = [...new Set(steps.flatMap((s) => [...s.reads, ...s.readsOwn]))];
  // Read before any step runs: a write that lands while compute works changes the next fingerprint.
  const [before, stored] = await Promise.all([
    tableVersions(db, connection.id, tables),
    storedFingerprints(db, connection.id),
  ]);
  counts.computeMs_fingerprint = Math.round(performance.now() - checkStarted);
  const context = contextParts(connection, options);
  const fingerprint = (step: Step, own: ReadonlyMap<FingerprintTable, string>) =>
    fingerprintOf([
      step.name,
      String(step.rules),
      ...context,
      ...step.reads.map((t) => `${t}=${before.get(t)}`),
      ...step.readsOwn.map((t) => `${t}=${own.get(t)}`),
    ]);
  for (const [index, step] of steps.entries()) {
    options.onStep?.({ name: step.name, index, total: steps.length });
    if (!options.force && stored.get(step.name) === fingerprint(step, before)) {
      counts[`computeSkipped_${step.name}`] = 1;
      continue;
    }
    const started = performance.now();
    await step.compute(db, connection, options);
    const after = step.readsOwn.length ? await tableVersions(db, connection.id, step.readsOwn) : before;
    await saveFingerprint(db, connection.id, step.name, fingerprint(step, after), options.runId);
    counts[`computeMs_${step.name}`] = Math.round(performance.now() - started);
  }
  return counts;
}
