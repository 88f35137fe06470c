import { type Kysely, sql } from 'kysely';

/**
 * Alerts when a connection breaks (issue 20): where messages go, what each connection's state
 * was when last evaluated (so a message goes out once per change, never once per failed
 * attempt), and one delivery row per message and destination (what was sent, and how it went).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alert_destinations')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    // Null: every connection's alerts go here.
    .addColumn('connection_id', 'integer', (c) => c.references('connections.id').onDelete('cascade'))
    .addColumn('webhook_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One row per URL and scope; `coalesce` because a unique index treats nulls as distinct.
  await sql`create unique index alert_destinations_scope_url
    on alert_destinations (coalesce(connection_id, 0), webhook_url)`.execute(db);

  await db.schema
    .createTable('alert_state')
    .addColumn('connection_id', 'integer', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    .addColumn('health', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('changed_at', 'timestamptz')
    .addColumn('last_run_id', 'integer')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('quarantine_spike', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('last_alert_kind', 'text')
    .addColumn('last_alert_text', 'text')
    .addColumn('last_alert_at', 'timestamptz')
    .addColumn('evaluated_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    // Names the delivery's job: ids restart in a recreated database, keys do not.
    .addColumn('delivery_key', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('destination_id', 'integer', (c) =>
      c.notNull().references('alert_destinations.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('run_id', 'integer')
    .addColumn('message', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('gave_up_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute();
  await sql`create index alert_deliveries_pending on alert_deliveries (created_at)
    where delivered_at is null and gave_up_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('alert_deliveries').ifExists().execute();
  await db.schema.dropTable('alert_state').ifExists().execute();
  await db.schema.dropTable('alert_destinations').ifExists().execute();
}
