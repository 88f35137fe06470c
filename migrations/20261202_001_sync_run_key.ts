import { type Kysely, sql } from 'kysely';

/**
 * Run ids come from a sequence that starts over when the warehouse is recreated, while Redis may
 * still hold the old runs' jobs under the same ids. A random key per run names its jobs instead,
 * so a new run can never be mistaken for a finished one of an earlier database.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sync_runs add column if not exists run_key uuid not null default gen_random_uuid()`.execute(
    db,
  );
  await sql`create unique index if not exists sync_runs_run_key_idx on sync_runs (run_key)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sync_runs drop column if exists run_key`.execute(db);
}
