import { sql } from 'kysely';
import type { Connection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';
import { type PushOutcome, pushStage } from '../../src/push/push-stage.js';
import type { PushDouble } from './push-double.js';

/**
 * Warehouse rows for push tests, written directly: owners with CRM users, open deals, and the
 * metric values the compute stage would have produced for the quarter containing AS_OF.
 */
export const AS_OF = new Date('2026-08-15T12:00:00Z');
export const QUARTER = '2026-Q3';

export const dealId = (i: number) => `d${String(i).padStart(6, '0')}`;
export const repId = (i: number) => `o${i}`;

export const REP_VALUES = {
  salesops_quota_attainment: '85.3490',
  salesops_quota: '50000.004',
  salesops_closed_won: '42674.5',
  salesops_forecast_p50: '61000.129',
  salesops_win_rate: '57.1429',
  salesops_lead_share_vs_expected: '100.0000',
} as const;

export async function seedPush(
  db: Db,
  connectionId: number,
  options: { readonly reps: number; readonly deals: number },
): Promise<void> {
  const c = connectionId;
  await sql`
    insert into owners (connection_id, external_id, email, active, user_id)
    select ${c}, 'o' || i, 'rep' || i || '@example.com', true, 'u' || i from generate_series(1, ${options.reps}) i`.execute(
    db,
  );
  await sql`
    insert into deals (connection_id, external_id, name, owner_id, last_modified_at)
    select ${c}, 'd' || lpad(i::text, 6, '0'), 'Deal ' || i, 'o' || (1 + i % ${options.reps}), now()
    from generate_series(1, ${options.deals}) i`.execute(db);
  await sql`
    insert into metric_values (connection_id, object, record_id, metric, period_key, value_numeric, value_text)
    select ${c}, 'rep', 'o' || i, m.metric, ${QUARTER}, m.value::numeric, null
    from generate_series(1, ${options.reps}) i
    cross join jsonb_each_text(${JSON.stringify(REP_VALUES)}::jsonb) as m(metric, value)`.execute(db);
  await sql`
    insert into metric_values (connection_id, object, record_id, metric, period_key, value_numeric, value_text)
    select ${c}, 'deal', 'd' || lpad(i::text, 6, '0'), m.metric, ${QUARTER}, m.num, m.txt
    from generate_series(1, ${options.deals}) i
    cross join lateral (values
      ('salesops_win_probability', (20 + i % 50)::numeric + 0.04, null),
      ('salesops_forecast_category', null, case when i % 3 = 0 then 'commit' else 'pipeline' end),
      ('salesops_stage_entered_at', null, '2026-07-' || lpad((1 + i % 28)::text, 2, '0')),
      ('salesops_owner_attainment', 85.349, null)
    ) as m(metric, num, txt)`.execute(db);
}

/** Sets one deal metric on the given deals (what a recompute after a CRM change would do). */
export async function setDealMetric(
  db: Db,
  connectionId: number,
  ids: readonly string[],
  metric: string,
  value: number,
): Promise<void> {
  await db
    .updateTable('metric_values')
    .set({ value_numeric: value })
    .where('connection_id', '=', connectionId)
    .where('object', '=', 'deal')
    .where('metric', '=', metric)
    .where('record_id', 'in', ids)
    .execute();
}

let nextRunId = 1_000;

/** The push stage as a run would do it after compute: the outbox diff, then the writes. */
export async function computeAndPush(
  db: Db,
  connection: Connection,
  double: PushDouble,
  options: { readonly dryRun?: boolean; readonly replay?: boolean } = {},
): Promise<PushOutcome & { readonly runId: number }> {
  const runId = nextRunId++;
  const outcome = await pushStage(db, connection, double, {
    runId,
    dryRun: options.dryRun === true,
    signal: new AbortController().signal,
    asOf: AS_OF,
    replay: options.replay === true,
  });
  return { ...outcome, runId };
}

export async function outboxSize(db: Db, connectionId: number): Promise<number> {
  const row = await db
    .selectFrom('push_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('connection_id', '=', connectionId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
