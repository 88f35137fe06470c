import { sql } from 'kysely';
import type { Db } from '../db.js';
import type { SyncRunCounts, SyncRunRow, SyncRunStatus } from './tables.js';

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
  /** False when an active run already existed and this request was merged into it. */
  readonly created: boolean;
}

export async function requestRun(
  db: Db,
  connectionId: number,
  options: RunOptions,
  trigger: 'manual' | 'schedule' | 'demo',
): Promise<RequestedRun> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const inserted = await sql<{ id: number }>`
      insert into sync_runs (connection_id, status, trigger, options)
      values (${connectionId}, 'queued', ${trigger}, ${JSON.stringify(options)}::jsonb)
      on conflict (connection_id) where status in ('queued', 'running') do nothing
      returning id`.execute(db);
    const id = inserted.rows[0]?.id;
    if (id !== undefined) return { runId: Number(id), created: true };
    const active = await db
      .selectFrom('sync_runs')
      .select('id')
      .where('connection_id', '=', connectionId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    // The active run may have finished between the two statements: try again.
    if (active) return { runId: active.id, created: false };
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

export async function heartbeat(db: Db, runId: number, counts?: SyncRunCounts): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({
      heartbeat_at: sql`now()`,
      ...(counts && { counts: sql`counts || ${JSON.stringify(counts)}::jsonb` }),
    })
    .where('id', '=', runId)
    .execute();
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
