import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { CrmConnector } from '../connectors/connector.js';
import type { Connection, ConnectionStore } from '../src/connections/connection-store.js';
import type { Db } from '../src/db.js';
import type { Logger } from '../src/logger.js';
import { type JobOutcome, noSyncMetrics, type SyncMetrics } from '../src/observability/sync-metrics.js';
import { tryLockConnection } from '../src/warehouse/connection-lock.js';
import {
  finishRun,
  getRun,
  markRunning,
  RunCancelledError,
  type RunOptions,
  recordStage,
  requestRun,
} from '../src/warehouse/sync-runs.js';
import type { SyncRunCounts } from '../src/warehouse/tables.js';
import { enqueueAlertEvaluation } from './alert-queue.js';
import { classifyError, messageOf } from './errors.js';
import { type ConnectorHooks, jobProgressReporter, SHORT_WAIT_MS } from './progress.js';
import { enqueueStage, type JobName, type Stage, stageJobSchema, syncRequestSchema } from './queues.js';
import { defaultStages, type StageImpls } from './stages.js';

/**
 * The BullMQ processor: a thin adapter from a job to one stage of one run. It takes the
 * connection's advisory lock, runs the stage, records it, and enqueues the next stage; errors
 * go through the one policy in errors.ts. Every step is idempotent, so a job that BullMQ runs
 * twice (a stalled lock, a killed worker) resumes instead of repeating work.
 */
export interface EngineDeps {
  readonly db: Db;
  readonly databaseUrl: string;
  readonly queue: Queue;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  readonly workerId: string;
  readonly connectorFor: (connection: Connection, hooks?: ConnectorHooks) => Promise<CrmConnector>;
  readonly stages?: StageImpls;
  /** How long a job waits before retrying when another worker holds the connection. */
  readonly lockBusyDelayMs?: number;
  /** Where a finished run asks for its alert evaluation (workers/alert-queue.ts); none: no alerts. */
  readonly alertQueue?: Queue;
  /** Where stage outcomes and records moved are counted (`/metrics`); nothing by default. */
  readonly metrics?: SyncMetrics;
}

/** The run's counts that are records saved from the CRM, by the object label of /metrics. */
const PULLED_OBJECTS = ['owners', 'pipelines', 'deals', 'leads'] as const;

const NEXT: Readonly<Record<Stage, Stage | null>> = {
  pull: 'route',
  route: 'compute',
  compute: 'push',
  push: null,
};

export type StageResult =
  | { readonly skipped: true; readonly reason: string }
  | { readonly stage: Stage; readonly runId: number };

export function createSyncProcessor(deps: EngineDeps) {
  const stages = deps.stages ?? defaultStages;
  // A finished run only enqueues its evaluation: alerts never delay or fail a sync.
  const announce = async (runId: number, runKey: string, connectionId: number) => {
    if (!deps.alertQueue) return;
    try {
      await enqueueAlertEvaluation(deps.alertQueue, { connectionId, runId }, runKey);
    } catch (error) {
      deps.logger.warn(
        { err: error, runId },
        'could not enqueue the alert evaluation; a later evaluation of the connection catches up',
      );
    }
  };
  const metrics = deps.metrics ?? noSyncMetrics;

  return async function process(
    job: Job,
    token?: string,
  ): Promise<StageResult | { runId: number; created: boolean }> {
    const name = job.name as JobName;
    if (name === 'sync-request') {
      const { connectionId } = syncRequestSchema.parse(job.data);
      const connection = await deps.connections.getById(connectionId);
      const run = await requestRun(deps.db, connection.id, { push: true }, 'schedule');
      if (run.created) {
        await enqueueStage(deps.queue, 'pull', { runId: run.runId, runKey: run.runKey, connectionId });
      }
      return run;
    }
    const stage = name as Stage;
    const { runId, runKey, connectionId } = stageJobSchema.parse(job.data);
    const run = await getRun(deps.db, runId);
    if (run && runKey !== undefined && run.run_key !== runKey) {
      // A job of an earlier database's run with the same id: it must not drive this run.
      return { skipped: true, reason: `job belongs to another run ${runId} (key ${runKey})` };
    }
    if (!run || !['queued', 'running'].includes(run.status)) {
      return { skipped: true, reason: `run ${runId} is ${run?.status ?? 'missing'}` };
    }
    const lock = await tryLockConnection(deps.databaseUrl, connectionId);
    if (!lock) {
      // Another worker is inside this connection (e.g. the stalled copy of this very job).
      await job.moveToDelayed(Date.now() + (deps.lockBusyDelayMs ?? 2000), token);
      throw new DelayedError();
    }
    const log = deps.logger.child({ connection: connectionId, stage, runId });
    const options = run.options as RunOptions;
    const progress = jobProgressReporter(job, runId, log);
    let crm: CrmConnector['kind'] | undefined;
    const started = performance.now();
    let connectionName = String(connectionId);
    const done = (outcome: JobOutcome) =>
      metrics.stageDone(stage, outcome, (performance.now() - started) / 1000);
    try {
      // A cancel requested while the run was between stages ends it before the next one.
      if ((await getRun(deps.db, runId))?.cancel_requested_at) throw new RunCancelledError(runId);
      await markRunning(deps.db, runId, stage, deps.workerId);
      progress.report({ type: 'stage', stage });
      const connection = await deps.connections.getById(connectionId);
      crm = connection.kind;
      const hooks: ConnectorHooks = {
        onRateWait: (wait) => {
          if (wait.waitMs < SHORT_WAIT_MS) return;
          progress.report({
            type: 'wait',
            crm: connection.kind,
            reason: wait.bucket === 'search' ? 'search' : 'window',
            waitMs: wait.waitMs,
            windowMs: wait.windowMs,
          });
        },
      };
      connectionName = connection.name;
      let connector: Promise<CrmConnector> | undefined;
      const outcome = await stages[stage]({
        db: deps.db,
        connection,
        connector: () => {
          connector ??= deps.connectorFor(connection, hooks);
          return connector;
        },
        runId,
        options,
        signal: lock.signal,
        logger: log,
        progress,
      });
      // Before the next stage is queued, so a watcher never sees this stage's last count after it.
      await progress.flush();
      await recordStage(deps.db, runId, stage, Math.round(performance.now() - started), {
        ...outcome.counts,
        ...(outcome.partial && { partialStages: 1 }),
      });
      countRecordsMoved(metrics, connectionName, run.counts, (await getRun(deps.db, runId))?.counts ?? {});
      done('succeeded');
      const next = nextStage(stage, options);
      if (next) await enqueueStage(deps.queue, next, { runId, runKey: run.run_key, connectionId });
      else {
        const final = await getRun(deps.db, runId);
        await finishRun(deps.db, runId, (final?.counts.partialStages ?? 0) > 0 ? 'partial' : 'succeeded');
        await announce(runId, run.run_key, connectionId);
      }
      log.info({ durationMs: Math.round(performance.now() - started) }, 'stage done');
      return { stage, runId };
    } catch (error) {
      const action = classifyError(error);
      log.warn({ err: error, action: action.kind, attempt: job.attemptsMade + 1 }, 'stage failed');
      if (crm !== undefined && (action.kind === 'wait' || action.kind === 'defer')) {
        progress.report({
          type: 'wait',
          crm,
          reason: action.kind === 'wait' ? 'retry' : 'daily',
          waitMs: action.kind === 'wait' ? action.delayMs : 0,
        });
      }
      switch (action.kind) {
        case 'wait':
          done('waited');
          await job.moveToDelayed(Date.now() + action.delayMs, token);
          throw new DelayedError();
        case 'defer':
          done('deferred');
          await finishRun(deps.db, runId, 'deferred', messageOf(error));
          await announce(runId, run.run_key, connectionId);
          return { stage, runId };
        case 'cancel':
          await finishRun(deps.db, runId, 'cancelled', messageOf(error));
          return { stage, runId };
        case 'fail':
          done('failed');
          await finishRun(deps.db, runId, 'failed', messageOf(error));
          await announce(runId, run.run_key, connectionId);
          throw new UnrecoverableError(messageOf(error));
        case 'retry':
          done('retried');
          if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
            await finishRun(deps.db, runId, 'failed', messageOf(error));
            await announce(runId, run.run_key, connectionId);
          }
          throw error;
      }
    } finally {
      await progress.flush();
      await lock.release();
    }
  };
}

/**
 * What this job added to the run's counts: each page adds its records inside its own
 * transaction, so the difference before and after the stage is exactly what this attempt saved
 * (a resumed attempt does not count again what an earlier one saved).
 */
function countRecordsMoved(
  metrics: SyncMetrics,
  connection: string,
  before: SyncRunCounts,
  after: SyncRunCounts,
): void {
  const delta = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
  for (const object of PULLED_OBJECTS) metrics.recordsPulled(connection, object, delta(object));
  metrics.recordsPushed(connection, delta('pushedRecords'));
}

function nextStage(stage: Stage, options: RunOptions): Stage | null {
  const next = NEXT[stage];
  // --no-push ends after compute; --dry-run still runs push, which then only previews.
  if (next === 'push' && options.push === false && options.dryRun !== true) return null;
  return next;
}
