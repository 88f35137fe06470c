import type { CrmConnector } from '../connectors/connector.js';
import { asOfInstant, localDate } from '../src/calendar/periods.js';
import { compStep } from '../src/comp/comp-step.js';
import type { Connection } from '../src/connections/connection-store.js';
import type { Db } from '../src/db.js';
import type { Logger } from '../src/logger.js';
import { computeMetrics } from '../src/metrics/compute-metrics.js';
import { pullConnection } from '../src/pull/pull-connection.js';
import { pushStage } from '../src/push/push-stage.js';
import { routeStage } from '../src/route/route-stage.js';
import { addRunCounts, type RunOptions } from '../src/warehouse/sync-runs.js';
import type { SyncRunCounts } from '../src/warehouse/tables.js';
import { type ProgressReporter, silentReporter } from './progress.js';
import type { Stage } from './queues.js';

/** Everything one stage of one run may use. */
export interface StageContext {
  readonly db: Db;
  readonly connection: Connection;
  readonly connector: () => Promise<CrmConnector>;
  readonly runId: number;
  readonly options: RunOptions;
  /** Aborted when the connection's lock is lost: stop at the next safe point. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Where the stage says how far it got, for whoever watches the run (default: nobody). */
  readonly progress?: ProgressReporter;
}

export interface StageOutcome {
  readonly counts: SyncRunCounts;
  /** Some records were rejected or quarantined: the run ends `partial`. */
  readonly partial?: boolean;
}

export type StageImpl = (ctx: StageContext) => Promise<StageOutcome>;
export type StageImpls = Readonly<Record<Stage, StageImpl>>;

export const defaultStages: StageImpls = {
  async pull(ctx) {
    // Each saved page adds itself to the run's counts inside its own transaction (pull's
    // page writer), so an attempt that dies mid-pull keeps exactly what it saved and the attempt
    // that resumes from the checkpoint adds the rest. What is not a page (CRM quota changes,
    // hard deletes found by reconciliation) is added here at the end.
    let pages: Readonly<Record<string, number>> = {};
    const counts = await pullConnection(ctx.db, await ctx.connector(), ctx.connection.id, {
      full: ctx.options.full === true,
      runId: ctx.runId,
      signal: ctx.signal,
      onPage: async (progress, stream) => {
        pages = { ...progress };
        (ctx.progress ?? silentReporter).report({ type: 'pull', ...stream });
      },
    });
    const rest: Record<string, number> = {};
    for (const [key, value] of Object.entries(counts)) {
      if (value !== (pages[key] ?? 0)) rest[key] = value - (pages[key] ?? 0);
    }
    const totals = await addRunCounts(ctx.db, ctx.runId, rest);
    return { counts: {}, partial: (totals.quarantined ?? 0) > 0 };
  },
  async route(ctx) {
    // Routing decides now, whatever --as-of replays: a replay recomputes figures, but a lead
    // that needs an owner needs one today (a dry run routes nothing: it would claim leads).
    if (ctx.options.dryRun === true) return { counts: {} };
    return routeStage(ctx.db, ctx.connection, {
      runId: ctx.runId,
      now: new Date(),
      signal: ctx.signal,
      logger: ctx.logger,
    });
  },
  async compute(ctx) {
    const progress = ctx.progress ?? silentReporter;
    // Compensation is the step after the metrics' own (DESIGN §2), so it is counted with them.
    let total = 1;
    const counts = await computeMetrics(ctx.db, ctx.connection, {
      asOf: runAsOf(ctx),
      runId: ctx.runId,
      replay: !!ctx.options.asOf,
      onStep: (step) => {
        total = step.total + 1;
        progress.report({ type: 'compute', step: step.name, done: step.index, total });
      },
    });
    progress.report({ type: 'compute', step: 'comp', done: total - 1, total });
    const comp = await compStep(ctx.db, ctx.connection, {
      asOf: runAsOf(ctx),
      runId: ctx.runId,
      replay: !!ctx.options.asOf,
    });
    progress.report({ type: 'compute', step: 'comp', done: total, total });
    return { counts: { ...counts, ...comp } };
  },
  async push(ctx) {
    return pushStage(ctx.db, ctx.connection, await ctx.connector(), {
      runId: ctx.runId,
      dryRun: ctx.options.dryRun === true,
      signal: ctx.signal,
      logger: ctx.logger,
      asOf: runAsOf(ctx),
      replay: !!ctx.options.asOf,
      onBatch: (totals) => (ctx.progress ?? silentReporter).report({ type: 'push', ...totals }),
    });
  },
};

/**
 * --as-of D means the end of day D in the connection's zone (DESIGN.md §7), not midnight UTC.
 * Without it, the end of today: values then move with the data and the day, never with the
 * minute, so two syncs an hour apart with nothing changed push nothing (DESIGN.md §6). Compute
 * and push (whose outbox diff takes the quarter containing it) both read it.
 */
function runAsOf(ctx: StageContext): Date {
  const tz = ctx.connection.timeZone;
  return asOfInstant(ctx.options.asOf ?? localDate(new Date(), tz), tz);
}
