import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The reporting.* views (migration 20261205_010, docs/reporting-views.md) over a warehouse of a
 * few hand-written rows; every expected row below is read off the inserted rows by hand.
 */
let t: TestDatabase;
let db: Db;
let c: number;

beforeAll(async () => {
  t = await createTestDatabase('ometrics_reporting');
  db = t.db;
  c = (await insertConnection(db, { name: 'acme' })).id;
  await sql`insert into owners (connection_id, external_id, email, first_name, last_name, active) values
    (${c}, 'o1', 'ada@acme.test', 'Ada', 'Lovelace', true),
    (${c}, 'o2', 'bob@acme.test', null, null, true)`.execute(db);
  await sql`insert into pipelines (connection_id, external_id, label) values (${c}, 'p1', 'Sales')`.execute(
    db,
  );
  await sql`insert into stages (connection_id, external_id, pipeline_id, label, display_order, probability, is_closed, is_won) values
    (${c}, 's1', 'p1', 'Qualified', 1, 0.2, false, false),
    (${c}, 'won', 'p1', 'Closed won', 9, 1, true, true)`.execute(db);
  await sql`insert into deals (connection_id, external_id, name, pipeline_id, stage_id, owner_id, amount, currency, close_date, last_modified_at, is_deleted, merged_into) values
    (${c}, 'd1', 'Open deal', 'p1', 's1', 'o1', 1000, 'USD', '2026-12-20', '2026-12-01T00:00:00Z', false, null),
    (${c}, 'd2', 'Won deal', 'p1', 'won', 'o2', 2500.50, 'USD', '2026-11-15', '2026-11-15T00:00:00Z', false, null),
    (${c}, 'd3', 'Deleted deal', 'p1', 's1', 'o1', 9, 'USD', null, '2026-11-01T00:00:00Z', true, null),
    (${c}, 'd4', 'Merged deal', 'p1', 's1', 'o1', 9, 'USD', null, '2026-11-01T00:00:00Z', false, 'd1')`.execute(
    db,
  );
  await sql`insert into metric_values (connection_id, object, record_id, metric, period_key, value_numeric, computed_at) values
    (${c}, 'rep', 'o1', 'salesops_quota', '2026-Q4', 10000, '2026-12-02T10:00:00Z'),
    (${c}, 'rep', 'o1', 'salesops_closed_won', '2026-Q4', 2500, '2026-12-02T10:00:00Z'),
    (${c}, 'rep', 'o1', 'salesops_quota_attainment', '2026-Q4', 25, '2026-12-02T11:00:00Z'),
    (${c}, 'rep', 'o1', 'salesops_win_rate', '2026-Q4', 50, '2026-12-02T10:00:00Z'),
    (${c}, 'rep', 'o2', 'salesops_closed_won', '2026-Q4', 0, '2026-12-02T10:00:00Z'),
    (${c}, 'deal', 'd1', 'salesops_owner_attainment', '2026-Q4', 25, '2026-12-02T10:00:00Z')`.execute(db);
  await sql`insert into leads (connection_id, external_id, email, owner_id, status, source, last_modified_at) values
    (${c}, 'l1', 'lead@prospect.test', 'o2', 'NEW', 'web', '2026-12-01T00:00:00Z')`.execute(db);
  await sql`insert into lead_assignments (connection_id, lead_id, owner_id, assigned_at, source) values
    (${c}, 'l1', 'o1', '2026-12-01T09:00:00Z', 'crm_history'),
    (${c}, 'l1', 'o2', '2026-12-02T09:00:00Z', 'observed')`.execute(db);
  await sql`insert into sync_runs (connection_id, status, trigger, counts, started_at, finished_at, error) values
    (${c}, 'partial', 'cli', ${JSON.stringify({ deals: 4, owners: 2, quarantined: 1, pushedRecords: 3 })}::jsonb,
     '2026-12-02T10:00:00Z', '2026-12-02T10:01:30.5Z', null)`.execute(db);
  await sql`insert into comp_statements (connection_id, period_key, owner_id, plan_name, plan_hash, document, inputs, inputs_hash, total, draw_balance, status) values
    (${c}, '2026-11', 'o1', 'AE plan', 'h', '{}', '{}', 'i', 1234.56, 0, 'closed'),
    (${c}, '2026-12', 'o1', 'AE plan', 'h', '{}', '{}', 'i', 99.5, 100, 'open')`.execute(db);
  await sql`insert into comp_periods (connection_id, period_key) values (${c}, '2026-11')`.execute(db);
});
afterAll(async () => {
  await t?.drop();
});

async function rows(query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  return (await query.execute(db)).rows as Record<string, unknown>[];
}

it('reporting.attainment: one row per rep and period, the four rep metrics side by side', async () => {
  const got = await rows(sql`select owner_id, owner_email, owner_name, period_key, connection,
      quota::float8, closed_won::float8, attainment_pct::float8, win_rate_pct::float8, computed_at
    from reporting.attainment order by owner_id`);
  expect(got).toEqual([
    {
      owner_id: 'o1',
      owner_email: 'ada@acme.test',
      owner_name: 'Ada Lovelace',
      period_key: '2026-Q4',
      connection: 'acme',
      quota: 10000,
      closed_won: 2500,
      attainment_pct: 25,
      win_rate_pct: 50,
      // The latest of the four values' computed_at.
      computed_at: new Date('2026-12-02T11:00:00Z'),
    },
    {
      owner_id: 'o2',
      owner_email: 'bob@acme.test',
      owner_name: null,
      period_key: '2026-Q4',
      connection: 'acme',
      quota: null,
      closed_won: 0,
      attainment_pct: null,
      win_rate_pct: null,
      computed_at: new Date('2026-12-02T10:00:00Z'),
    },
  ]);
});

it('reporting.pipeline: live deals only (no deleted, no merged-away), with stage, pipeline and owner names', async () => {
  const got = await rows(sql`select deal_id, deal_name, pipeline, stage, stage_order, is_closed, is_won,
      probability::float8, owner_email, amount::float8, currency, close_date::text
    from reporting.pipeline order by deal_id`);
  expect(got).toEqual([
    {
      deal_id: 'd1',
      deal_name: 'Open deal',
      pipeline: 'Sales',
      stage: 'Qualified',
      stage_order: 1,
      is_closed: false,
      is_won: false,
      probability: 0.2,
      owner_email: 'ada@acme.test',
      amount: 1000,
      currency: 'USD',
      close_date: '2026-12-20',
    },
    {
      deal_id: 'd2',
      deal_name: 'Won deal',
      pipeline: 'Sales',
      stage: 'Closed won',
      stage_order: 9,
      is_closed: true,
      is_won: true,
      probability: 1,
      owner_email: 'bob@acme.test',
      amount: 2500.5,
      currency: 'USD',
      close_date: '2026-11-15',
    },
  ]);
});

it('reporting.lead_assignments: every assignment with the lead and the owner it went to', async () => {
  const got = await rows(sql`select lead_id, lead_email, lead_status, lead_source, owner_id, owner_email,
      assigned_at, assignment_source from reporting.lead_assignments order by assigned_at`);
  expect(got).toEqual([
    {
      lead_id: 'l1',
      lead_email: 'lead@prospect.test',
      lead_status: 'NEW',
      lead_source: 'web',
      owner_id: 'o1',
      owner_email: 'ada@acme.test',
      assigned_at: new Date('2026-12-01T09:00:00Z'),
      assignment_source: 'crm_history',
    },
    {
      lead_id: 'l1',
      lead_email: 'lead@prospect.test',
      lead_status: 'NEW',
      lead_source: 'web',
      owner_id: 'o2',
      owner_email: 'bob@acme.test',
      assigned_at: new Date('2026-12-02T09:00:00Z'),
      assignment_source: 'observed',
    },
  ]);
});

it('reporting.runs: counts as columns (absent ones 0), duration in seconds', async () => {
  const got =
    await rows(sql`select connection, trigger, status, duration_seconds, owners_pulled, pipelines_pulled,
      deals_pulled, leads_pulled, changed, deleted, quarantined, pushed, push_failed, error
    from reporting.runs`);
  expect(got).toEqual([
    {
      connection: 'acme',
      trigger: 'cli',
      status: 'partial',
      // 10:00:00 → 10:01:30.5
      duration_seconds: 90.5,
      owners_pulled: 2,
      pipelines_pulled: 0,
      deals_pulled: 4,
      leads_pulled: 0,
      changed: 0,
      deleted: 0,
      quarantined: 1,
      pushed: 3,
      push_failed: 0,
      error: null,
    },
  ]);
});

it('reporting.payouts: each statement with its owner and whether its period is closed', async () => {
  const got = await rows(sql`select period_key, owner_email, owner_name, plan_name, total::float8,
      draw_balance::float8, status, period_closed from reporting.payouts order by period_key`);
  expect(got).toEqual([
    {
      period_key: '2026-11',
      owner_email: 'ada@acme.test',
      owner_name: 'Ada Lovelace',
      plan_name: 'AE plan',
      total: 1234.56,
      draw_balance: 0,
      status: 'closed',
      period_closed: true,
    },
    {
      period_key: '2026-12',
      owner_email: 'ada@acme.test',
      owner_name: 'Ada Lovelace',
      plan_name: 'AE plan',
      total: 99.5,
      draw_balance: 100,
      status: 'open',
      period_closed: false,
    },
  ]);
});
