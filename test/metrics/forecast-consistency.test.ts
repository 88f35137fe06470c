import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { computeAttainment } from '../../src/metrics/attainment.js';
import { computeForecast, type ForecastResult } from '../../src/metrics/forecast.js';
import { actualClosedWon } from '../../src/metrics/forecast-accuracy.js';
import { attainmentDocument } from '../../src/reports/attainment-document.js';
import { forecastDocument } from '../../src/reports/forecast-document.js';
import { roundRatio } from '../../src/reports/rounding.js';
import { runCapture } from '../cli/cli-run.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * Issue #15 item 6: the same figure must read the same in every document. The fixture makes
 * the history model and the CRM disagree sharply (the CRM says 10% for `s1`, history says every
 * deal that reached `s1` was won), the way the demo's Salesforce data did when "chance of making
 * the team quota" read 0.0% beside model forecasts above the quota.
 */
let t: TestDatabase;
let connection: Connection;

const base = {
  pipeline_id: 'p',
  forecast_category: null,
  probability: null,
  currency: 'USD',
  close_at: null,
  deleted_at: null,
  merged_into: null,
  last_modified_at: '2026-08-15T00:00:00Z',
};

beforeAll(async () => {
  t = await createTestDatabase('forecast_consistency');
  connection = await insertConnection(t.db, { timeZone: 'UTC', currency: 'USD' });
  const id = connection.id;
  await t.db
    .insertInto('stages')
    .values(
      (
        [
          ['s1', 1, 0.1, false, false, 'pipeline'],
          ['won', 2, 1, true, true, 'closed'],
          ['lost', 3, 0, true, false, 'omitted'],
        ] as const
      ).map(([s, order, p, closed, won, category]) => ({
        connection_id: id,
        external_id: s,
        pipeline_id: 'p',
        label: s,
        display_order: order,
        probability: p,
        is_closed: closed,
        is_won: won,
        forecast_category: category,
      })),
    )
    .execute();
  await t.db
    .insertInto('owners')
    .values(
      ['r1', 'r2', 'r3'].map((o) => ({
        connection_id: id,
        external_id: o,
        email: `${o}@example.com`,
        first_name: o,
        last_name: null,
        active: true,
        user_id: null,
        manager_id: null,
        crm_created_at: null,
        crm_updated_at: null,
      })),
    )
    .execute();
  const deals = [];
  const history = [];
  // 20 deals won in Q2, each 10 days after entering s1: the model learns s1 → won.
  for (let i = 0; i < 20; i++) {
    const dealId = `H${i}`;
    deals.push({
      ...base,
      connection_id: id,
      external_id: dealId,
      name: dealId,
      owner_id: 'r1',
      stage_id: 'won',
      amount: 100,
      amount_home: 100,
      close_date: '2026-05-11',
      crm_created_at: '2026-05-01T00:00:00Z',
    });
    history.push(
      {
        connection_id: id,
        deal_id: dealId,
        field: 'stage' as const,
        value: 's1',
        changed_at: '2026-05-01T00:00:00Z',
      },
      {
        connection_id: id,
        deal_id: dealId,
        field: 'stage' as const,
        value: 'won',
        changed_at: '2026-05-11T00:00:00Z',
      },
    );
  }
  // Eleven open deals of 1,000 in s1 since Aug 10, due Sep 15: five each for r1 and r2, one for
  // r3, who has neither quota nor a win (not an attainment rep, but the team's pipeline).
  for (let i = 0; i < 11; i++) {
    const dealId = `O${i}`;
    deals.push({
      ...base,
      connection_id: id,
      external_id: dealId,
      name: dealId,
      owner_id: i < 5 ? 'r1' : i < 10 ? 'r2' : 'r3',
      stage_id: 's1',
      amount: 1000,
      amount_home: 1000,
      close_date: '2026-09-15',
      crm_created_at: '2026-08-10T00:00:00Z',
    });
    history.push({
      connection_id: id,
      deal_id: dealId,
      field: 'stage' as const,
      value: 's1',
      changed_at: '2026-08-10T00:00:00Z',
    });
  }
  // W: won by r1 on Jul 10 and handed to r2 on Jul 20 (credit stays with the closing owner).
  // U: won with nobody owning it (attainment credits no one, so no report may count it).
  deals.push(
    {
      ...base,
      connection_id: id,
      external_id: 'W',
      name: 'W',
      owner_id: 'r2',
      stage_id: 'won',
      amount: 5000,
      amount_home: 5000,
      close_date: '2026-07-10',
      crm_created_at: '2026-07-01T00:00:00Z',
    },
    {
      ...base,
      connection_id: id,
      external_id: 'U',
      name: 'U',
      owner_id: null,
      stage_id: 'won',
      amount: 2000,
      amount_home: 2000,
      close_date: '2026-07-12',
      crm_created_at: '2026-07-01T00:00:00Z',
    },
  );
  history.push(
    {
      connection_id: id,
      deal_id: 'W',
      field: 'owner' as const,
      value: 'r1',
      changed_at: '2026-07-01T00:00:00Z',
    },
    {
      connection_id: id,
      deal_id: 'W',
      field: 'stage' as const,
      value: 's1',
      changed_at: '2026-07-01T00:00:00Z',
    },
    {
      connection_id: id,
      deal_id: 'W',
      field: 'stage' as const,
      value: 'won',
      changed_at: '2026-07-10T00:00:00Z',
    },
    {
      connection_id: id,
      deal_id: 'W',
      field: 'owner' as const,
      value: 'r2',
      changed_at: '2026-07-20T00:00:00Z',
    },
  );
  // B: r1's, won on Aug 20 but dated Aug 14 in the CRM. Report attainment as of Aug 15 counts it
  // as closed (today's stage, close date ≤ as-of), so the forecast must too, and a replay of
  // Aug 15, where B was still open, must not also weight it as pipeline.
  deals.push({
    ...base,
    connection_id: id,
    external_id: 'B',
    name: 'B',
    owner_id: 'r1',
    stage_id: 'won',
    amount: 700,
    amount_home: 700,
    close_date: '2026-08-14',
    crm_created_at: '2026-08-01T00:00:00Z',
  });
  for (const [value, changed_at] of [
    ['s1', '2026-08-01T00:00:00Z'],
    ['won', '2026-08-20T00:00:00Z'],
  ] as const) {
    history.push({ connection_id: id, deal_id: 'B', field: 'stage' as const, value, changed_at });
  }
  await t.db.insertInto('deals').values(deals).execute();
  await t.db.insertInto('deal_history').values(history).execute();
  // Quotas: r1 3,000 and r2 1,000 a month → team 12,000 for Q3.
  await t.db
    .insertInto('quotas')
    .values(
      ['2026-07-01', '2026-08-01', '2026-09-01'].flatMap((month) => [
        {
          connection_id: id,
          owner_id: 'r1',
          team_id: null,
          month,
          amount: 3000,
          currency: 'USD',
          source: 'csv' as const,
          source_ref: null,
        },
        {
          connection_id: id,
          owner_id: 'r2',
          team_id: null,
          month,
          amount: 1000,
          currency: 'USD',
          source: 'csv' as const,
          source_ref: null,
        },
      ]),
    )
    .execute();
});

afterAll(async () => {
  await t?.drop();
});

const period = () => parsePeriod('2026-Q3', connection);
const asOf = () => asOfInstant('2026-08-15', 'UTC');

describe('forecast figures agree with each other and with report attainment', () => {
  it('takes P10/P50/P90 and the chance of quota from the distribution the monte_carlo row reads', async () => {
    // The CRM-based headline method must not swap the distribution under the percentiles.
    const result = await computeForecast(t.db, connection, {
      period: period(),
      asOf: asOf(),
      method: 'crm_weighted',
      trials: 4000,
    });
    const team = result.team;
    const d = team.distribution;
    expect(d.p10).toBeLessThanOrEqual(d.p50);
    expect(d.p50).toBeLessThanOrEqual(d.p90);
    expect(team.forecasts.monte_carlo).toBe(d.p50);
    expect(team.quota).toBe(12_000);
    // s1's learned win rate: 22 closed deals passed s1 (the 20 H deals, W, and U, which has no
    // stage history and so counts as having passed the first stage), all won: (22 + 2 pseudo-deals
    // × 0.1) ÷ (22 + 2) = 0.925. Won deals took 9–10 days and these are 5 days in, so all close
    // by Sep 30 (B closed after Aug 15, so the model does not learn from it): E[total] = 5,700
    // closed + 11 × 1,000 × 0.925 = 15,875 = the history method.
    expect(team.forecasts.history).toBeCloseTo(5700 + 11_000 * (22.2 / 24), 6);
    // Same probabilities as `history`: Var = 11 × 1,000² × 0.925 × 0.075 → SE of the mean over
    // 4,000 trials ≈ 13.8; 4 SE ≈ 55.
    expect(Math.abs(d.mean - team.forecasts.history)).toBeLessThan(55);
    // 12,000 needs 5,700 + ≥ 7 of 11 wins at p = 0.925: P ≈ 0.99 by the binomial sum, so the quota sits
    // below P10 and the share of trials reaching it has to say so.
    const p = d.probabilityOfQuota as number;
    if ((team.quota as number) <= d.p10) expect(p).toBeGreaterThanOrEqual(0.9);
    if ((team.quota as number) > d.p90) expect(p).toBeLessThanOrEqual(0.1);
    expect(p).toBeGreaterThan(0.97);
    for (const rep of result.reps) {
      expect(rep.forecasts.monte_carlo).toBe(rep.distribution.p50);
      expect(rep.distribution.p10).toBeLessThanOrEqual(rep.distribution.p90);
    }
  });

  // replay = `forecast --as-of`: deals rebuilt as they stood on Aug 15.
  it.each([false, true])(
    'reports the same closed-won, weighted pipeline and run rate as report attainment (replay %s)',
    async (replay) => {
      const [attainment, forecast] = await Promise.all([
        computeAttainment(t.db, connection, { period: period(), asOf: asOf() }),
        computeForecast(t.db, connection, {
          period: period(),
          asOf: asOf(),
          method: 'history',
          trials: 500,
          replay,
        }),
      ]);
      // Closed so far, by hand: W 5,000 credited to r1 (its owner when it was won) + B 700; U has
      // no owner.
      expect(attainment.team.closedWon).toBe(5700);
      expect(forecast.team.closedWon).toBe(attainment.team.closedWon);
      // Working days: Q3 2026 has 23 + 21 + 22 = 66; Jul 1 … Aug 15 has 23 + 10 = 33, so the run
      // rate = 5,700 ÷ 33 × 66 = 11,400.
      expect(attainment.team.runRateProjection).toBeCloseTo(11_400, 6);
      expect(forecast.team.forecasts.run_rate).toBe(attainment.team.runRateProjection);
      // Weighted: eleven open deals × 1,000 × 0.1 = 1,100 (B is closed, not pipeline).
      expect(forecast.team.weightedPipeline).toBeCloseTo(1100, 6);
      expect(attainment.team.closedPlusWeighted).toBeCloseTo(5700 + 1100, 6);
      expect(forecast.team.weightedPipeline).toBe(attainment.team.weightedPipeline);
      for (const rep of attainment.reps) {
        const same = forecast.reps.find((r) => r.ownerId === rep.ownerId);
        expect(same?.closedWon).toBe(rep.closedWon);
        expect(same?.weightedPipeline).toBe(rep.weightedPipeline);
        expect(same?.forecasts.run_rate).toBe(rep.runRateProjection);
        expect(same?.quota).toBe(rep.quota);
      }
      // The documents, rounded by one definition, agree too.
      const a = attainmentDocument(attainment);
      const f = forecastDocument(forecast);
      expect(f.team.closedWon).toBe(a.team.closedWon);
      for (const rep of a.reps) {
        expect(f.reps.find((r) => r.ownerEmail === rep.ownerEmail)?.closedWon).toBe(rep.closedWon);
      }
    },
  );

  it('prints the same closed-won in `report attainment --json` and `forecast --json` for one --as-of', async () => {
    const env = {
      DATABASE_URL: t.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    };
    const args = ['--connection', connection.name, '--period', '2026-Q3', '--as-of', '2026-08-15', '--json'];
    const a = await runCapture(['report', 'attainment', ...args], env);
    const f = await runCapture(['forecast', ...args], env);
    expect([a.code, f.code]).toEqual([0, 0]);
    const attainment = JSON.parse(a.stdout);
    const forecast = JSON.parse(f.stdout);
    // 5,700 by hand (see above).
    expect(attainment.team.closedWon).toBe(5700);
    expect(forecast.team.closedWon).toBe(attainment.team.closedWon);
    for (const rep of attainment.reps) {
      expect(
        forecast.reps.find((r: { ownerEmail: string }) => r.ownerEmail === rep.ownerEmail)?.closedWon,
      ).toBe(rep.closedWon);
    }
    expect(forecast.team.p10).toBeLessThanOrEqual(forecast.team.p50);
    expect(forecast.team.p50).toBeLessThanOrEqual(forecast.team.p90);
  });

  it('scores a closed period against the closed-won that report attainment shows', async () => {
    const q3 = period();
    const closedAsOf = asOfInstant('2026-10-05', 'UTC');
    const attainment = await computeAttainment(t.db, connection, { period: q3, asOf: closedAsOf });
    expect(await actualClosedWon(t.db, connection.id, q3)).toBe(attainment.team.closedWon);
  });

  it('rounds ratios in the forecast document as the attainment document does', () => {
    const result = {
      period: { key: '2026-Q3', grain: 'quarter', start: '2026-07-01', end: '2026-09-30' },
      asOfDate: '2026-08-15',
      currency: 'USD',
      method: 'history',
      modelTrainedOn: 1,
      team: {
        ownerId: null,
        ownerEmail: null,
        closedWon: 1,
        weightedPipeline: 1,
        commit: 1,
        bestCase: 1,
        pipeline: 1,
        quota: 1,
        forecasts: { crm_weighted: 1, commit: 1, best_case: 1, history: 1, monte_carlo: 1, run_rate: 1 },
        // 1,234 of 9,999 trials: 0.123412341…
        distribution: { mean: 1, p10: 1, p50: 1, p90: 1, probabilityOfQuota: 1234 / 9999 },
      },
      reps: [],
      deals: [],
    } as unknown as ForecastResult;
    expect(forecastDocument(result).team.probabilityOfQuota).toBe(roundRatio(1234 / 9999));
    expect(roundRatio(1234 / 9999)).toBe(0.123412);
  });
});
