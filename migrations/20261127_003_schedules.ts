import { type Kysely, sql } from 'kysely';

/**
 * The sync engine (issue 3): schedules (Postgres is the record; BullMQ job schedulers are
 * reconciled from it) and the rule that a connection has at most one active run, enforced by
 * the database so that concurrent "sync now" requests merge instead of doubling.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('connection_id', 'integer', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index sync_runs_one_active on sync_runs (connection_id)
    where status in ('queued', 'running')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists sync_runs_one_active`.execute(db);
  await db.schema.dropTable('schedules').ifExists().execute();
}
