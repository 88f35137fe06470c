import type { Queue } from 'bullmq';
import type { CrmConnector } from '../../connectors/connector.js';
import type { ConnectorHooks, ProgressEvent } from '../../workers/progress.js';
import { enqueueStage } from '../../workers/queues.js';
import { startSyncWorker, workersServing } from '../../workers/sync-worker.js';
import type { Connection, ConnectionStore } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { SyncMetrics } from '../observability/sync-metrics.js';
import { type PreviewEntry, type Rejection, runPreview, runRejections } from '../push/push-report.js';
import {
  failUnstartedRun,
  getRun,
  RunCancelledError,
  type RunOptions,
  requestRun,
  type SyncRunTrigger,
} from '../warehouse/sync-runs.js';
import type { SyncRunRow } from '../warehouse/tables.js';
import { START_TIMEOUT_MS } from './start-timeout.js';
import { watchRunProgress } from './watch-run-progress.js';

/**
 * `salesops sync`: register (or join) the connection's run, make sure something will process
 * it — an in-process worker that serves only this run when no worker is listening — and wait
 * for the run record to reach a final status.
 */
export interface SyncEnv {
  readonly db: Db;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly queue: Queue;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  readonly connectorFor: (connection: Connection, hooks?: ConnectorHooks) => Promise<CrmConnector>;
  readonly pollMs?: number;
  /**
   * How long a queued run may wait for a worker to start it before the sync gives up and fails
   * it (so it no longer blocks the connection). Default: START_TIMEOUT_MS.
   */
  readonly startTimeoutMs?: number;
  readonly onMerged?: (runId: number) => void;
  /** Given, the run's progress events as its stages report them (from any worker). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Counted by the in-process worker when this sync starts one (`/metrics`). */
  readonly metrics?: SyncMetrics;
}

export { START_TIMEOUT_MS };

export interface SyncSummary {
  readonly runId: number;
  readonly status: 'succeeded' | 'partial' | 'deferred' | 'failed';
  readonly pulled: {
    readonly owners: number;
    readonly pipelines: number;
    readonly deals: number;
    readonly leads: number;
    readonly deleted: number;
    readonly changed: number;
  };
  readonly quarantined: number;
  /** Only when routing rules exist: leads given an owner, and leads no member could take. */
  readonly routed?: number;
  readonly unrouted?: number;
  readonly pushed: {
    readonly calls: number;
    readonly records: number;
    readonly failed: number;
    readonly rejected: readonly Rejection[];
  };
  /** Only on a dry run: every value the push would write. */
  readonly preview?: readonly PreviewEntry[];
  readonly durationMs: number;
  readonly error: string | null;
}

const FINAL = new Set(['succeeded', 'partial', 'deferred', 'failed', 'cancelled']);

/**
 * Registers the connection's run and enqueues its first stage, or joins the run already queued
 * or running: what `sync` and the API's POST /connections/{name}/syncs both do. `beforeEnqueue`
 * runs once the run is known and before its first stage is queued (a progress listener that
 * must not miss the first page).
 */
export async function requestSync(
  env: Pick<SyncEnv, 'db' | 'queue'>,
  connection: Connection,
  options: RunOptions,
  trigger: SyncRunTrigger,
  beforeEnqueue?: (run: { readonly runId: number; readonly runKey: string }) => Promise<void>,
): Promise<{ readonly runId: number; readonly runKey: string; readonly joined: boolean }> {
  const run = await requestRun(env.db, connection.id, options, trigger);
  await beforeEnqueue?.(run);
  if (run.created) {
    await enqueueStage(env.queue, 'pull', {
      runId: run.runId,
      runKey: run.runKey,
      connectionId: connection.id,
    });
  }
  return { runId: run.runId, runKey: run.runKey, joined: !run.created };
}

export async function runSync(
  env: SyncEnv,
  connection: Connection,
  options: RunOptions,
): Promise<SyncSummary> {
  const { onProgress } = env;
  let watch: { close(): Promise<void> } | null = null;
  try {
    const run = await requestSync(env, connection, options, 'cli', async (r) => {
      // Listening before the first stage is queued, so its first page is not missed.
      if (onProgress)
        watch = await watchRunProgress({ redisUrl: env.redisUrl, prefix: env.prefix, ...r, onProgress });
    });
    if (run.joined) env.onMerged?.(run.runId);
    return await serveAndWait(env, run.runId);
  } finally {
    await (watch as { close(): Promise<void> } | null)?.close();
  }
}

async function serveAndWait(env: SyncEnv, runId: number): Promise<SyncSummary> {
  const local =
    (await workersServing(env.queue)) === 0
      ? await startSyncWorker({
          db: env.db,
          databaseUrl: env.databaseUrl,
          redisUrl: env.redisUrl,
          queue: env.queue,
          prefix: env.prefix,
          connections: env.connections,
          logger: env.logger,
          connectorFor: env.connectorFor,
          concurrency: 1,
          onlyRunId: runId,
          ...(env.metrics && { metrics: env.metrics }),
        })
      : null;
  try {
    const final = await waitForRun(env.db, runId, env.pollMs ?? 200, env.startTimeoutMs ?? START_TIMEOUT_MS);
    // A cancelled run has no §7 summary: the sync ends with exit 1 and the sentence saying so.
    if (final.status === 'cancelled') throw new RunCancelledError(final.id);
    return summarize(final, await pushDetails(env.db, final));
  } finally {
    await local?.close(30_000);
  }
}

/**
 * Polls the run record until it is final. With startTimeoutMs, a run still queued (no worker
 * ever started it) after that long is failed with a sentence saying so, instead of waiting
 * forever; once started, a run may take as long as it needs.
 */
export async function waitForRun(
  db: Db,
  runId: number,
  pollMs: number,
  startTimeoutMs?: number,
): Promise<SyncRunRow> {
  const startBy = startTimeoutMs === undefined ? undefined : Date.now() + startTimeoutMs;
  for (;;) {
    const row = await getRun(db, runId);
    if (!row) throw new Error(`Run ${runId} disappeared; check the database.`);
    if (FINAL.has(row.status)) return row;
    if (
      startBy !== undefined &&
      row.status === 'queued' &&
      row.started_at === null &&
      Date.now() >= startBy
    ) {
      await failUnstartedRun(db, runId, notStarted(runId, startTimeoutMs ?? 0));
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function notStarted(runId: number, timeoutMs: number): string {
  return `No worker started run ${runId} within ${timeoutMs / 1000} s; check that the workers use the same REDIS_URL and SALESOPS_QUEUE_PREFIX and that the queue is not paused, then run sync again.`;
}

export interface PushDetails {
  readonly rejected: readonly Rejection[];
  readonly preview?: readonly PreviewEntry[];
}

/** The per-value part of the summary, from the run's push_results. */
export async function pushDetails(db: Db, run: SyncRunRow): Promise<PushDetails> {
  const rejected = await runRejections(db, run.id);
  return (run.options as RunOptions).dryRun === true
    ? { rejected, preview: await runPreview(db, run.id) }
    : { rejected };
}

export function summarize(run: SyncRunRow, details: PushDetails = { rejected: [] }): SyncSummary {
  const c = run.counts;
  const n = (value: number | undefined) => value ?? 0;
  return {
    runId: run.id,
    status: run.status as SyncSummary['status'],
    pulled: {
      owners: n(c.owners),
      pipelines: n(c.pipelines),
      deals: n(c.deals),
      leads: n(c.leads),
      deleted: n(c.deleted),
      changed: n(c.changed),
    },
    quarantined: n(c.quarantined),
    ...(c.routed !== undefined && { routed: c.routed, unrouted: n(c.unrouted) }),
    pushed: {
      calls: n(c.pushedCalls),
      records: n(c.pushedRecords),
      failed: n(c.pushFailed),
      rejected: details.rejected,
    },
    ...(details.preview && { preview: details.preview }),
    durationMs:
      run.finished_at && (run.started_at ?? run.queued_at)
        ? run.finished_at.getTime() - (run.started_at ?? run.queued_at).getTime()
        : 0,
    error: run.error,
  };
}
