import { type Kysely, sql } from 'kysely';

/**
 * Push-back (issue 11): what the CRM last accepted (`push_state`), what differs from it and is
 * still to be written (`push_outbox`), each write's outcome (`push_results`), and per-connection
 * bookkeeping (`push_connections`: fields provisioned, last full resend).
 *
 * Values are stored in their rounded, canonical text form (`85.3`, `1234.50`, `2026-07-01`), so
 * "changed" is a plain `is distinct from` in SQL. Keys use the warehouse record id (owner or
 * deal external id) and the neutral field name the mapping gives the metric.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const key = ['connection_id', 'object', 'record_id', 'field'] as const;

  await db.schema
    .createTable('push_state')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('object', 'text', (c) => c.notNull().check(sql`object in ('rep', 'deal')`))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('accepted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('run_id', 'bigint')
    .addPrimaryKeyConstraint('push_state_pk', [...key])
    .execute();

  await db.schema
    .createTable('push_outbox')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('object', 'text', (c) => c.notNull().check(sql`object in ('rep', 'deal')`))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    // How the value is sent: numbers as JSON numbers, dates and text as strings.
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('number', 'text')`))
    .addColumn('value', 'text')
    .addColumn('previous', 'text')
    // Queued by the periodic full resend: kept even when equal to push_state.
    .addColumn('resend', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    // A rejected row is retried on the next run, not again in the run that rejected it.
    .addColumn('last_attempt_run', 'bigint')
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('run_id', 'bigint')
    .addPrimaryKeyConstraint('push_outbox_pk', [...key])
    .execute();

  await db.schema
    .createTable('push_results')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    // The CRM record written: the deal id, the owner's user id, or the id a merge resolved to.
    .addColumn('target_id', 'text')
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('previous', 'text')
    .addColumn('outcome', 'text', (c) =>
      c.notNull().check(sql`outcome in ('written', 'rejected', 'preview')`),
    )
    .addColumn('reason', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('push_results_run_idx')
    .on('push_results')
    .columns(['run_id', 'outcome'])
    .execute();
  await db.schema
    .createIndex('push_results_age_idx')
    .on('push_results')
    .columns(['connection_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('push_connections')
    .addColumn('connection_id', 'integer', (c) =>
      c.primaryKey().references('connections.id').onDelete('cascade'),
    )
    // Hash of the field specs last provisioned with ensureFields; null: never.
    .addColumn('fields_hash', 'text')
    .addColumn('fields_ensured_at', 'timestamptz')
    .addColumn('last_full_resend_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['push_connections', 'push_results', 'push_outbox', 'push_state']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
