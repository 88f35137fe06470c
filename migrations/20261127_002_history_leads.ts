import { type Kysely, sql } from 'kysely';

/**
 * What the CRMs remember about change (issues 3, 5, 7): deal stage/owner history, revenue
 * splits, leads and every owner assignment a lead went through, with the source of each fact.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deal_history')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull().check(sql`field in ('stage', 'owner')`))
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('crm_history'))
    .addPrimaryKeyConstraint('deal_history_pk', ['connection_id', 'deal_id', 'field', 'changed_at', 'value'])
    .execute();

  await db.schema
    .createTable('deal_splits')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('percent', 'numeric', (c) => c.notNull().check(sql`percent >= 0 and percent <= 100`))
    .addPrimaryKeyConstraint('deal_splits_pk', ['connection_id', 'deal_id', 'owner_id'])
    .execute();

  await db.schema
    .createTable('leads')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('assigned_at', 'timestamptz')
    .addColumn('score', 'numeric')
    .addColumn('rating', 'text')
    .addColumn('source', 'text')
    .addColumn('status', 'text')
    .addColumn('crm_created_at', 'timestamptz')
    .addColumn('last_modified_at', 'timestamptz', (c) => c.notNull())
    .addColumn('is_deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('leads_pk', ['connection_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('lead_assignments')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('assigned_at', 'timestamptz', (c) => c.notNull())
    // 'crm_history': the CRM's own field history; 'observed': an owner change seen between syncs.
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('crm_history', 'observed')`))
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('lead_assignments_pk', ['connection_id', 'lead_id', 'assigned_at', 'owner_id'])
    .execute();
  await db.schema
    .createIndex('lead_assignments_time_idx')
    .on('lead_assignments')
    .columns(['connection_id', 'assigned_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['lead_assignments', 'leads', 'deal_splits', 'deal_history']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
