import { type Kysely, sql } from 'kysely';

/**
 * What each compute step last computed from: a digest of its inputs (row counts and newest
 * writers of the tables it reads, the connection's settings, the as-of instant). A sync whose
 * inputs match skips the step; its values in metric_values are those it would write again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table if not exists compute_fingerprints (
    connection_id integer not null references connections (id) on delete cascade,
    step text not null,
    fingerprint text not null,
    run_id bigint,
    computed_at timestamptz not null default now(),
    primary key (connection_id, step)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists compute_fingerprints`.execute(db);
}
