import { type Kysely, sql } from 'kysely';

/**
 * Forecasts (issue 10). The CRMs keep little history of amounts, close dates and categories, so
 * each sync diffs open deals against the last state it saw and stores only the changes
 * (`forecast_deal_changes`); `forecast_deal_state` is that last state, one row per open deal, so
 * storage grows with changes, not with days × deals. `forecast_snapshots` holds each method's
 * forecast for a period at a point in time; `forecast_accuracy` scores them once a period closes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('forecast_deal_state')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('stage_id', 'text')
    .addColumn('amount', 'numeric')
    .addColumn('close_date', 'date')
    .addColumn('probability', 'numeric')
    .addColumn('category', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('forecast_deal_state_pk', ['connection_id', 'deal_id'])
    .execute();

  await db.schema
    .createTable('forecast_deal_changes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`field in ('opened', 'closed', 'stage', 'amount', 'close_date', 'probability', 'category', 'owner')`,
        ),
    )
    // Text for every field: the old/new value as the warehouse prints it ('' = none).
    .addColumn('old_value', 'text')
    .addColumn('new_value', 'text')
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('run_id', 'bigint')
    .addColumn('replay', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createIndex('forecast_deal_changes_deal_idx')
    .on('forecast_deal_changes')
    .columns(['connection_id', 'deal_id', 'field', 'changed_at'])
    .execute();

  await db.schema
    .createTable('forecast_snapshots')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('period_start', 'date', (c) => c.notNull())
    .addColumn('period_end', 'date', (c) => c.notNull())
    // The local day the snapshot describes, and the week of the period it falls in (1-based).
    .addColumn('as_of', 'date', (c) => c.notNull())
    .addColumn('week', 'integer', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    // '' = the whole connection (team); else an owner's external id.
    .addColumn('owner_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('forecast', 'numeric', (c) => c.notNull())
    .addColumn('closed_won', 'numeric', (c) => c.notNull())
    .addColumn('p10', 'numeric')
    .addColumn('p90', 'numeric')
    .addColumn('probability_of_quota', 'numeric')
    // Taken under --as-of or by a backtest: kept for inspection, never scored.
    .addColumn('replay', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('run_id', 'bigint')
    .addColumn('taken_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index forecast_snapshots_key on forecast_snapshots
    (connection_id, period_key, as_of, method, owner_id, replay)`.execute(db);

  await db.schema
    .createTable('forecast_accuracy')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('week', 'integer', (c) => c.notNull().check(sql`week in (1, 4, 8)`))
    // 'snapshot': scored from live snapshots; 'backtest': replayed from deal history.
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('snapshot', 'backtest')`))
    .addColumn('forecast', 'numeric', (c) => c.notNull())
    .addColumn('actual', 'numeric', (c) => c.notNull())
    // |forecast − actual| ÷ actual and (forecast − actual) ÷ actual; null when actual is 0.
    .addColumn('abs_pct_error', 'double precision')
    .addColumn('bias', 'double precision')
    .addColumn('period_end', 'date', (c) => c.notNull())
    .addColumn('scored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('forecast_accuracy_pk', [
      'connection_id',
      'period_key',
      'method',
      'week',
      'source',
    ])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'forecast_accuracy',
    'forecast_snapshots',
    'forecast_deal_changes',
    'forecast_deal_state',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
