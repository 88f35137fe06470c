import { type Kysely, sql } from 'kysely';

/**
 * Quotas, rep settings and computed metrics (issues 8, 9). Quotas are stored at month grain:
 * imports spread longer rows over months by working days before they land here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('quotas')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    // Exactly one of owner_id (a rep) and team_id (an explicit team quota).
    .addColumn('owner_id', 'text')
    .addColumn('team_id', 'text')
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('amount', 'numeric', (c) => c.notNull())
    .addColumn('currency', 'text')
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('csv', 'crm')`))
    .addColumn('source_ref', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('quotas_one_subject', sql`(owner_id is null) <> (team_id is null)`)
    .addCheckConstraint('quotas_month_start', sql`extract(day from month) = 1`)
    .execute();
  await sql`create unique index quotas_subject_month_source on quotas
    (connection_id, coalesce(owner_id, ''), coalesce(team_id, ''), month, source)`.execute(db);

  await db.schema
    .createTable('owner_settings')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('lead_weight', 'numeric', (c) => c.notNull().check(sql`lead_weight >= 0`))
    // Inclusive calendar days in the connection's time zone; null = open-ended.
    .addColumn('available_from', 'date')
    .addColumn('available_to', 'date')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('owner_settings_owner_idx')
    .on('owner_settings')
    .columns(['connection_id', 'owner_id'])
    .execute();

  await db.schema
    .createTable('metric_values')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('object', 'text', (c) =>
      c.notNull().check(sql`object in ('rep', 'deal', 'team', 'connection')`),
    )
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    // e.g. '2026-Q3' / '2026-07' / '2026': the period the value describes.
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('value_numeric', 'numeric')
    .addColumn('value_text', 'text')
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('run_id', 'bigint')
    .addPrimaryKeyConstraint('metric_values_pk', [
      'connection_id',
      'object',
      'record_id',
      'metric',
      'period_key',
    ])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['metric_values', 'owner_settings', 'quotas']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
