import { type Kysely, sql } from 'kysely';

/** Warehouse core (issue 2): connections, owners and teams, pipelines, deals, sync bookkeeping. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('hubspot', 'salesforce')`))
    .addColumn('base_url', 'text')
    .addColumn('login_url', 'text')
    .addColumn('api_version', 'text')
    .addColumn('tier', 'text')
    .addColumn('auth_method', 'text', (c) => c.notNull())
    // AES-256-GCM: "v1.<iv>.<tag>.<ciphertext>" (base64url); the key id names the key that sealed it.
    .addColumn('credentials_enc', 'text', (c) => c.notNull())
    .addColumn('credentials_key_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('crm_time_zone', 'text')
    .addColumn('crm_fiscal_year_start', 'integer')
    .addColumn('currency', 'text')
    .addColumn('multi_currency', 'boolean', (c) => c.notNull().defaultTo(false))
    // Admin overrides win over what the CRM says (`connections set --tz / --fiscal-year-start`).
    .addColumn('time_zone_override', 'text')
    .addColumn('fiscal_year_start_override', 'integer', (c) =>
      c.check(sql`fiscal_year_start_override between 1 and 12`),
    )
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // `connections remove` without --purge keeps the warehouse rows for audit; the name is freed.
    .addColumn('removed_at', 'timestamptz')
    .execute();
  await sql`create unique index connections_name_live on connections (name) where removed_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('owners')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('manager_id', 'text')
    .addColumn('is_queue', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('crm_created_at', 'timestamptz')
    .addColumn('crm_updated_at', 'timestamptz')
    .addColumn('is_deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('owners_pk', ['connection_id', 'external_id'])
    .execute();
  await db.schema.createIndex('owners_email_idx').on('owners').columns(['connection_id', 'email']).execute();

  await db.schema
    .createTable('teams')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('teams_pk', ['connection_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('owner_teams')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('is_primary', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('owner_teams_pk', ['connection_id', 'owner_id', 'team_id'])
    .execute();

  await db.schema
    .createTable('pipelines')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('display_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pipelines_pk', ['connection_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('stages')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('pipeline_id', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('display_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('probability', 'numeric')
    .addColumn('is_closed', 'boolean', (c) => c.notNull())
    .addColumn('is_won', 'boolean', (c) => c.notNull())
    .addColumn('forecast_category', 'text')
    .addColumn('is_deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('stages_pk', ['connection_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('deals')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('pipeline_id', 'text')
    .addColumn('stage_id', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('amount', 'numeric')
    .addColumn('currency', 'text')
    .addColumn('amount_home', 'numeric')
    .addColumn('crm_created_at', 'timestamptz')
    .addColumn('close_at', 'timestamptz')
    // The close date as a calendar day in the connection's time zone: periods are day ranges.
    .addColumn('close_date', 'date')
    .addColumn('forecast_category', 'text')
    .addColumn('probability', 'numeric')
    .addColumn('last_modified_at', 'timestamptz', (c) => c.notNull())
    .addColumn('is_deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('merged_into', 'text')
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deals_pk', ['connection_id', 'external_id'])
    .execute();
  await db.schema
    .createIndex('deals_owner_close_idx')
    .on('deals')
    .columns(['connection_id', 'owner_id', 'close_date'])
    .execute();
  await db.schema
    .createIndex('deals_close_idx')
    .on('deals')
    .columns(['connection_id', 'close_date'])
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'partial', 'deferred', 'failed')`),
    )
    .addColumn('trigger', 'text', (c) => c.notNull().defaultTo('manual'))
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('stage', 'text')
    .addColumn('counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('timings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('worker_id', 'text')
    .addColumn('heartbeat_at', 'timestamptz')
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('sync_runs_connection_idx')
    .on('sync_runs')
    .columns(['connection_id', 'id desc'])
    .execute();

  await db.schema
    .createTable('sync_checkpoints')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('checkpoint', 'jsonb')
    .addColumn('run_id', 'bigint')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sync_checkpoints_pk', ['connection_id', 'stream'])
    .execute();

  await db.schema
    .createTable('quarantined_records')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('run_id', 'bigint')
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('quarantined_records_connection_idx')
    .on('quarantined_records')
    .columns(['connection_id', 'stream', 'external_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'quarantined_records',
    'sync_checkpoints',
    'sync_runs',
    'deals',
    'stages',
    'pipelines',
    'owner_teams',
    'teams',
    'owners',
    'connections',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
