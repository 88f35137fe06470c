import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { CrmConnector } from '../connectors/connector.js';
import type { Connection, ConnectionStore } from '../src/connections/connection-store.js';
import type { Db } from '../src/db.js';
import type { Logger } from '../src/logger.js';
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
import { classifyError, messageOf } from './errors.js';
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
  readonly connectorFor: (connection: Connection) => Promise<CrmConnector>;
  readonly stages?: StageImpls;
  /** How long a job waits before retrying when another worker holds the connection. */
  readonly lockBusyDelayMs?: number;
}

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
    try {
      // A cancel requested while the run was between stages ends it before the next one.
      if ((await getRun(deps.db, runId))?.cancel_requested_at) throw new RunCancelledError(runId);
      await markRunning(deps.db, runId, stage, deps.workerId);
      const connection = await deps.connections.getById(connectionId);
      let connector: Promise<CrmConnector> | undefined;
      const started = performance.now();
      const outcome = await stages[stage]({
        db: deps.db,
        connection,
        connector: () => {
          connector ??= deps.connectorFor(connection);
          return connector;
        },
        runId,
        options,
        signal: lock.signal,
        logger: log,
      });
      await recordStage(deps.db, runId, stage, Math.round(performance.now() - started), {
        ...outcome.counts,
        ...(outcome.partial && { partialStages: 1 }),
      });
      const next = nextStage(stage, options);
      if (next) await enqueueStage(deps.queue, next, { runId, runKey: run.run_key, connectionId });
      else {
        const final = await getRun(deps.db, runId);
        await finishRun(deps.db, runId, (final?.counts.partialStages ?? 0) > 0 ? 'partial' : 'succeeded');
      }
      log.info({ durationMs: Math.round(performance.now() - started) }, 'stage done');
      return { stage, runId };
    } catch (error) {
      const action = classifyError(error);
      log.warn({ err: error, action: action.kind, attempt: job.attemptsMade + 1 }, 'stage failed');
      switch (action.kind) {
        case 'wait':
          await job.moveToDelayed(Date.now() + action.delayMs, token);
          throw new DelayedError();
        case 'defer':
          await finishRun(deps.db, runId, 'deferred', messageOf(error));
          return { stage, runId };
        case 'cancel':
          await finishRun(deps.db, runId, 'cancelled', messageOf(error));
          return { stage, runId };
        case 'fail':
          await finishRun(deps.db, runId, 'failed', messageOf(error));
          throw new UnrecoverableError(messageOf(error));
        case 'retry':
          if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
            await finishRun(deps.db, runId, 'failed', messageOf(error));
          }
          throw error;
      }
    } finally {
      await lock.release();
    }
  };
}

function nextStage(stage: Stage, options: RunOptions): Stage | null {
  const next = NEXT[stage];
  // --no-push ends after compute; --dry-run still runs push, which then only previews.
  if (next === 'push' && options.push === false && options.dryRun !== true) return null;
  return next;
}
