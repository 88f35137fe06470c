import { sql } from 'kysely';
import type { Db } from '../db.js';
import { DomainError } from '../domain-error.js';
import type { SyncRunCounts, SyncRunRow, SyncRunStatus, SyncRunTrigger } from './tables.js';

export type { SyncRunTrigger } from './tables.js';

/**
 * `sync_runs`: Postgres is the record of every run (BullMQ is only the transport). A partial
 * unique index allows one queued-or-running run per connection, so a request during a run
 * returns that run instead of starting another.
 */
export interface RunOptions {
  readonly full?: boolean;
  readonly push?: boolean;
  readonly dryRun?: boolean;
  readonly asOf?: string;
}

export interface RequestedRun {
  readonly runId: number;
  /** The run's key (unique across database resets), which its queue jobs are named after. */
  readonly runKey: string;
  /** False when an active run already existed and this request was merged into it. */
  readonly created: boolean;
}

export async function requestRun(
  db: Db,
  connectionId: number,
  options: RunOptions,
  trigger: SyncRunTrigger,
): Promise<RequestedRun> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const inserted = await sql<{ id: number; run_key: string }>`
      insert into sync_runs (connection_id, status, trigger, options)
      values (${connectionId}, 'queued', ${trigger}, ${JSON.stringify(options)}::jsonb)
      on conflict (connection_id) where status in ('queued', 'running') do nothing
      returning id, run_key`.execute(db);
    const row = inserted.rows[0];
    if (row !== undefined) return { runId: Number(row.id), runKey: row.run_key, created: true };
    const active = await db
      .selectFrom('sync_runs')
      .select(['id', 'run_key'])
      .where('connection_id', '=', connectionId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    // The active run may have finished between the two statements: try again.
    if (active) return { runId: active.id, runKey: active.run_key, created: false };
  }
  throw new Error(`Could not register a run for connection ${connectionId}; try again.`);
}

export async function getRun(db: Db, runId: number): Promise<SyncRunRow | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('id', '=', runId).executeTakeFirst();
}

export async function markRunning(db: Db, runId: number, stage: string, workerId: string): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({
      status: 'running',
      stage,
      worker_id: workerId,
      heartbeat_at: sql`now()`,
      started_at: sql`coalesce(started_at, now())`,
    })
    .where('id', '=', runId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/**
 * Adds a delta to the run's counts, key by key, in one statement. A stage that a second process
 * takes over (a killed worker, a stalled lock) adds to what the first one already recorded, so
 * the run's counts are what the run read, not what its last process read. Returns the totals.
 */
export async function addRunCounts(db: Db, runId: number, delta: SyncRunCounts): Promise<SyncRunCounts> {
  const row = await db
    .updateTable('sync_runs')
    .set({
      counts: sql`counts || (
        select coalesce(jsonb_object_agg(d.key, coalesce((counts->>d.key)::numeric, 0) + d.value::numeric), '{}'::jsonb)
        from jsonb_each_text(${JSON.stringify(delta)}::jsonb) as d)`,
      heartbeat_at: sql`now()`,
    })
    .where('id', '=', runId)
    .returning('counts')
    .executeTakeFirst();
  return row?.counts ?? {};
}

/** Merges counts and adds a stage's duration to the run's timings. */
export async function recordStage(
  db: Db,
  runId: number,
  stage: string,
  durationMs: number,
  counts: SyncRunCounts,
): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({
      counts: sql`counts || ${JSON.stringify(counts)}::jsonb`,
      timings: sql`timings || jsonb_build_object(${stage}::text, coalesce((timings->>${stage})::numeric, 0) + ${durationMs})`,
      heartbeat_at: sql`now()`,
    })
    .where('id', '=', runId)
    .execute();
}

export async function finishRun(
  db: Db,
  runId: number,
  status: SyncRunStatus,
  error: string | null = null,
): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({ status, error, finished_at: sql`now()`, stage: null })
    .where('id', '=', runId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/** Fails a run only if no worker has started it yet (a start racing this loses nothing). */
export async function failUnstartedRun(db: Db, runId: number, error: string): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({ status: 'failed', error, finished_at: sql`now()`, stage: null })
    .where('id', '=', runId)
    .where('status', '=', 'queued')
    .where('started_at', 'is', null)
    .execute();
}

export interface LastRun {
  readonly id: number;
  readonly status: SyncRunStatus;
  readonly finishedAt: Date | null;
}

/** Each connection's most recent run, by connection id (connections never run are absent). */
export async function lastRunPerConnection(db: Db): Promise<Map<number, LastRun>> {
  const runs = await db
    .selectFrom('sync_runs')
    .distinctOn('connection_id')
    .select(['connection_id', 'id', 'status', 'finished_at'])
    .orderBy('connection_id')
    .orderBy('id', 'desc')
    .execute();
  return new Map(
    runs.map((run) => [run.connection_id, { id: run.id, status: run.status, finishedAt: run.finished_at }]),
  );
}

export interface RunProgress {
  readonly name: string;
  readonly counts: SyncRunCounts;
  readonly stage: string | null;
  readonly status: SyncRunStatus;
}

/** The latest run of each named connection, for a progress display. */
export async function latestRunProgress(db: Db, names: readonly string[]): Promise<RunProgress[]> {
  const rows = await db
    .selectFrom('sync_runs')
    .innerJoin('connections', 'connections.id', 'sync_runs.connection_id')
    .select(['connections.name', 'sync_runs.counts', 'sync_runs.stage', 'sync_runs.status'])
    .where('connections.name', 'in', [...names])
    .orderBy('sync_runs.id', 'desc')
    .execute();
  const latest = new Map<string, RunProgress>();
  for (const row of rows) if (!latest.has(row.name)) latest.set(row.name, row);
  return [...latest.values()];
}

/**
 * A run ended by `salesops runs cancel`: thrown by the pull between pages (and by the processor
 * between stages), after the last page and its checkpoint committed, so nothing is half-saved.
 */
export class RunCancelledError extends DomainError {
  override readonly name = 'RunCancelledError';
  constructor(readonly runId: number) {
    super(
      `Run ${runId} was cancelled (salesops runs cancel ${runId}); the next sync resumes from the last page it saved.`,
    );
  }
}

export type CancelOutcome =
  /** Never started by a worker: it is cancelled at once. */
  | { readonly kind: 'cancelled' }
  /** Running: the request is recorded and the run stops at its next page or stage. */
  | { readonly kind: 'requested' }
  | { readonly kind: 'finished'; readonly status: SyncRunStatus }
  | { readonly kind: 'missing' };

export async function requestCancel(db: Db, runId: number, error: string): Promise<CancelOutcome> {
  const unstarted = await db
    .updateTable('sync_runs')
    .set({
      status: 'cancelled',
      error,
      cancel_requested_at: sql`now()`,
      finished_at: sql`now()`,
      stage: null,
    })
    .where('id', '=', runId)
    .where('status', '=', 'queued')
    .where('started_at', 'is', null)
    .executeTakeFirst();
  if (unstarted.numUpdatedRows > 0n) return { kind: 'cancelled' };
  const running = await db
    .updateTable('sync_runs')
    .set({ cancel_requested_at: sql`coalesce(cancel_requested_at, now())` })
    .where('id', '=', runId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  if (running.numUpdatedRows > 0n) return { kind: 'requested' };
  const run = await getRun(db, runId);
  return run ? { kind: 'finished', status: run.status } : { kind: 'missing' };
}

export async function cancelRequested(db: Db, runId: number): Promise<boolean> {
  const row = await db
    .selectFrom('sync_runs')
    .select('cancel_requested_at')
    .where('id', '=', runId)
    .executeTakeFirst();
  return row !== undefined && row.cancel_requested_at !== null;
}
