import { type Kysely, sql } from 'kysely';

/**
 * `salesops runs cancel ID` (issue 20): the request is a timestamp the pull reads between pages,
 * so a run stops where its last page and checkpoint committed and the next sync resumes there;
 * the run then ends `cancelled`, a final status like `failed`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sync_runs add column cancel_requested_at timestamptz`.execute(db);
  await sql`alter table sync_runs drop constraint sync_runs_status_check`.execute(db);
  await sql`alter table sync_runs add constraint sync_runs_status_check
    check (status in ('queued', 'running', 'succeeded', 'partial', 'deferred', 'failed', 'cancelled'))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update sync_runs set status = 'failed' where status = 'cancelled'`.execute(db);
  await sql`alter table sync_runs drop constraint sync_runs_status_check`.execute(db);
  await sql`alter table sync_runs add constraint sync_runs_status_check
    check (status in ('queued', 'running', 'succeeded', 'partial', 'deferred', 'failed'))`.execute(db);
  await sql`alter table sync_runs drop column cancel_requested_at`.execute(db);
}
