import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { computeForecast } from '../../src/metrics/forecast.js';
import { computeForecastMetrics } from '../../src/metrics/forecast-metrics.js';
import { recordDealChanges } from '../../src/warehouse/forecast-deal-changes.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

let t: TestDatabase;
let connection: Connection;

const stage = (
  id: string,
  order: number,
  probability: number,
  closed: boolean,
  won: boolean,
  category: string,
) => ({
  connection_id: 0,
  external_id: id,
  pipeline_id: 'p',
  label: id,
  display_order: order,
  probability,
  is_closed: closed,
  is_won: won,
  forecast_category: category,
});

const deal = (id: string, owner: string, stageId: string, amount: number, closeDate: string) => ({
  connection_id: connection.id,
  external_id: id,
  owner_id: owner,
  stage_id: stageId,
  pipeline_id: 'p',
  amount,
  amount_home: amount,
  close_date: closeDate,
  crm_created_at: '2026-05-01T00:00:00Z',
  last_modified_at: '2026-08-01T00:00:00Z',
  forecast_category: null,
  probability: null,
  name: id,
  currency: 'USD',
  close_at: null,
  deleted_at: null,
  merged_into: null,
});

beforeAll(async () => {
  t = await createTestDatabase('forecast');
  connection = await insertConnection(t.db, { timeZone: 'UTC', currency: 'USD' });
  await t.db
    .insertInto('stages')
    .values(
      [
        stage('s1', 1, 0.2, false, false, 'pipeline'),
        stage('s2', 2, 0.5, false, false, 'best_case'),
        stage('s3', 3, 0.8, false, false, 'commit'),
        stage('won', 4, 1, true, true, 'closed'),
        stage('lost', 5, 0, true, false, 'omitted'),
      ].map((s) => ({ ...s, connection_id: connection.id })),
    )
    .execute();
  await t.db
    .insertInto('owners')
    .values(
      ['r1', 'r2'].map((id) => ({
        connection_id: connection.id,
        external_id: id,
        email: `${id}@example.com`,
        first_name: id,
        last_name: null,
        active: true,
        user_id: null,
        manager_id: null,
        crm_created_at: null,
        crm_updated_at: null,
      })),
    )
    .execute();
  await t.db
    .insertInto('deals')
    .values([
      deal('A', 'r1', 's1', 1000, '2026-08-20'),
      deal('B', 'r1', 's3', 2000, '2026-09-10'),
      deal('C', 'r2', 's2', 4000, '2026-09-30'),
      deal('D', 'r2', 's3', 5000, '2026-10-01'),
      deal('E', 'r1', 'won', 3000, '2026-07-15'),
      deal('F', 'r2', 'won', 1500, '2026-06-30'),
      deal('G', 'r2', 'lost', 7000, '2026-08-01'),
    ])
    .execute();
  // r1: 1,000 a month from the CSV; the CRM's 2,000 for July loses to the CSV row.
  await t.db
    .insertInto('quotas')
    .values([
      ...['2026-07-01', '2026-08-01', '2026-09-01'].map((month) => ({
        connection_id: connection.id,
        owner_id: 'r1',
        team_id: null,
        month,
        amount: 1000,
        currency: 'USD',
        source: 'csv' as const,
        source_ref: null,
      })),
      {
        connection_id: connection.id,
        owner_id: 'r1',
        team_id: null,
        month: '2026-07-01',
        amount: 2000,
        currency: 'USD',
        source: 'crm' as const,
        source_ref: null,
      },
    ])
    .execute();
});

afterAll(async () => {
  await t?.drop();
});

describe('forecast', () => {
  it('computes the CRM-weighted pipeline and category roll-ups by hand', async () => {
    const period = parsePeriod('2026-Q3', connection); // 2026-07-01 … 2026-09-30
    const asOf = asOfInstant('2026-08-15', 'UTC');
    const result = await computeForecast(t.db, connection, {
      period,
      asOf,
      method: 'crm_weighted',
      trials: 2000,
    });
    const team = result.team;
    // Closed: E 3,000 (F closed in Q2, G lost).
    expect(team.closedWon).toBe(3000);
    // Weighted: A 1,000×0.2 + B 2,000×0.8 + C 4,000×0.5 = 200 + 1,600 + 2,000 = 3,800 (D is due in Q4).
    expect(team.weightedPipeline).toBeCloseTo(3800, 6);
    // Commit = closed 3,000 + B 2,000 = 5,000; best case = 5,000 + C 4,000 = 9,000; pipeline = 9,000 + A 1,000.
    expect(team.commit).toBe(5000);
    expect(team.bestCase).toBe(9000);
    expect(team.pipeline).toBe(10000);
    expect(team.forecasts.crm_weighted).toBeCloseTo(6800, 6);
    const r1 = result.reps.find((r) => r.ownerId === 'r1');
    const r2 = result.reps.find((r) => r.ownerId === 'r2');
    // r1: closed E 3,000; weighted 200 + 1,600 = 1,800; quota 3 × 1,000 (CSV wins over CRM).
    expect(r1).toMatchObject({ ownerEmail: 'r1@example.com', closedWon: 3000, quota: 3000 });
    expect(r1?.weightedPipeline).toBeCloseTo(1800, 6);
    // r2: closed 0; weighted C 2,000.
    expect(r2?.closedWon).toBe(0);
    expect(r2?.weightedPipeline).toBeCloseTo(2000, 6);
    expect(team.distribution.p10).toBeLessThanOrEqual(team.distribution.p50);
    expect(team.distribution.p50).toBeLessThanOrEqual(team.distribution.p90);
    // The simulated mean sits near closed + weighted pipeline: the model, learned from only three
    // closed deals, stays close to the CRM probabilities it is shrunk toward.
    expect(team.distribution.mean).toBeGreaterThan(6800 - 400);
    expect(team.distribution.mean).toBeLessThan(6800 + 400);
    // A closed period is final: every method forecasts the closed amount.
    const q2 = await computeForecast(t.db, connection, {
      period: parsePeriod('2026-Q2', connection),
      asOf,
      method: 'history',
      trials: 100,
    });
    expect(Object.values(q2.team.forecasts)).toEqual([1500, 1500, 1500, 1500, 1500, 1500]);
  });

  it('records changes of open deals, not copies', async () => {
    const at = new Date('2026-08-15T12:00:00Z');
    expect(await recordDealChanges(t.db, connection.id, at, null)).toBe(4); // A, B, C, D opened
    expect(await recordDealChanges(t.db, connection.id, at, null)).toBe(0);
    await t.db.updateTable('deals').set({ amount_home: 1200 }).where('external_id', '=', 'A').execute();
    await t.db.updateTable('deals').set({ stage_id: 'won' }).where('external_id', '=', 'B').execute();
    expect(await recordDealChanges(t.db, connection.id, new Date('2026-08-16T12:00:00Z'), 7)).toBe(2);
    const changes = await t.db
      .selectFrom('forecast_deal_changes')
      .select(['deal_id', 'field', 'old_value', 'new_value'])
      .where('run_id', '=', 7)
      .orderBy('deal_id')
      .execute();
    expect(changes).toEqual([
      { deal_id: 'A', field: 'amount', old_value: '1000', new_value: '1200' },
      { deal_id: 'B', field: 'closed', old_value: 's3', new_value: 'won' },
    ]);
    await t.db.updateTable('deals').set({ amount_home: 1000 }).where('external_id', '=', 'A').execute();
    await t.db.updateTable('deals').set({ stage_id: 's3' }).where('external_id', '=', 'B').execute();
  });

  it('writes push-back metrics and drops deals that are no longer open', async () => {
    const asOf = asOfInstant('2026-08-15', 'UTC');
    await computeForecastMetrics(t.db, connection, { asOf, runId: 1 });
    const rows = await t.db
      .selectFrom('metric_values')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    const deals = rows.filter((r) => r.object === 'deal' && r.metric === 'salesops_win_probability');
    expect(deals.map((r) => r.record_id).sort()).toEqual(['A', 'B', 'C', 'D']);
    for (const r of deals) {
      expect(r.period_key).toBe('2026-Q3');
      expect(Number(r.value_numeric)).toBeGreaterThanOrEqual(0);
      expect(Number(r.value_numeric)).toBeLessThanOrEqual(100);
    }
    expect(rows.filter((r) => r.metric === 'salesops_forecast_category')).toHaveLength(4);
    expect(
      rows
        .filter((r) => r.object === 'rep' && r.metric === 'salesops_forecast_p50')
        .map((r) => r.record_id)
        .sort(),
    ).toEqual(['r1', 'r2']);
    await t.db.updateTable('deals').set({ stage_id: 'lost' }).where('external_id', '=', 'A').execute();
    await computeForecastMetrics(t.db, connection, { asOf, runId: 2 });
    const after = await sql<{
      n: number;
    }>`select count(*)::int as n from metric_values where object = 'deal' and record_id = 'A'`.execute(t.db);
    expect(after.rows[0]?.n).toBe(0);
  });
});
