import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { runBacktest } from '../../src/metrics/backtest.js';
import { FORECAST_METHODS } from '../../src/metrics/forecast.js';
import { summarizeAccuracy } from '../../src/metrics/forecast-accuracy.js';
import { insertConnection } from '../support/fixtures.js';
import { needSharedData } from '../support/requirements.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/** Backtest on the public Maven CRM data (DESIGN §10), read from ../shared/data where present. */
const maven = needSharedData('maven-crm', ['sales_pipeline.csv', 'products.csv']);
const DIR = pathToFileURL(maven.found ?? '/');
const present = !maven.missing;

function csv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(new URL(name, DIR), 'utf8').replace(/\r/g, '').trim().split('\n');
  const keys = (head as string).split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i], v])));
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const days = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;

let t: TestDatabase;
let connection: Connection;

async function load(): Promise<void> {
  const price = new Map(csv('products.csv').map((p) => [p.product as string, Number(p.sales_price)]));
  const rows = csv('sales_pipeline.csv');
  const id = connection.id;
  await t.db
    .insertInto('stages')
    .values(
      [
        ['Prospecting', 1, 0.2, false, false, 'pipeline'],
        ['Engaging', 2, 0.6, false, false, 'best_case'],
        ['Won', 3, 1, true, true, 'closed'],
        ['Lost', 4, 0, true, false, 'omitted'],
      ].map(([s, order, p, closed, won, cat]) => ({
        connection_id: id,
        external_id: s as string,
        pipeline_id: 'sales',
        label: s as string,
        display_order: order as number,
        probability: p as number,
        is_closed: closed as boolean,
        is_won: won as boolean,
        forecast_category: cat as string,
      })),
    )
    .execute();
  const agents = [...new Set(rows.map((r) => r.sales_agent as string))];
  await t.db
    .insertInto('owners')
    .values(
      agents.map((a) => ({
        connection_id: id,
        external_id: a,
        email: `${a.toLowerCase().replace(/\s+/g, '.')}@maven.example`,
        first_name: a,
        last_name: null,
        active: true,
        user_id: null,
        manager_id: null,
        crm_created_at: null,
        crm_updated_at: null,
      })),
    )
    .execute();
  // Won cycles (engage → close) in close order, for "median cycle of earlier deals" (no look-ahead).
  const won = rows
    .filter((r) => r.deal_stage === 'Won')
    .map((r) => ({
      close: r.close_date as string,
      cycle: days(r.engage_date as string, r.close_date as string),
    }))
    .sort((a, b) => a.close.localeCompare(b.close));
  const deals = [];
  const history = [];
  const changes = [];
  for (const r of rows) {
    const stage = r.deal_stage as string;
    const list = price.get((r.product as string) === 'GTXPro' ? 'GTX Pro' : (r.product as string)) ?? 0;
    const engaged = r.engage_date || null;
    const closed = r.close_date || null;
    let closeDate = closed;
    if (!closed && engaged) {
      const m = median(won.filter((w) => w.close < engaged).map((w) => w.cycle));
      closeDate = m === null ? null : addDays(engaged, Math.round(m));
    }
    const amount = stage === 'Won' ? Number(r.close_value) : list;
    deals.push({
      connection_id: id,
      external_id: r.opportunity_id as string,
      name: r.opportunity_id as string,
      owner_id: r.sales_agent as string,
      stage_id: stage,
      pipeline_id: 'sales',
      amount,
      amount_home: amount,
      currency: 'USD',
      crm_created_at: engaged ? `${engaged}T00:00:00Z` : null,
      close_at: closed ? `${closed}T12:00:00Z` : null,
      close_date: closeDate,
      forecast_category: null,
      probability: null,
      last_modified_at: `${closed ?? engaged ?? '2017-12-31'}T12:00:00Z`,
      deleted_at: null,
      merged_into: null,
    });
    if (engaged)
      history.push({
        connection_id: id,
        deal_id: r.opportunity_id as string,
        field: 'stage' as const,
        value: 'Engaging',
        changed_at: `${engaged}T00:00:00Z`,
      });
    if (closed) {
      history.push({
        connection_id: id,
        deal_id: r.opportunity_id as string,
        field: 'stage' as const,
        value: stage,
        changed_at: `${closed}T12:00:00Z`,
      });
      // While open the deal was valued at list price; the won value is known only at the close.
      if (stage === 'Won' && amount !== list) {
        changes.push({
          connection_id: id,
          deal_id: r.opportunity_id as string,
          field: 'amount' as const,
          old_value: String(list),
          new_value: String(amount),
          changed_at: `${closed}T12:00:00Z`,
          run_id: null,
        });
      }
    }
  }
  for (let i = 0; i < deals.length; i += 1000)
    await t.db
      .insertInto('deals')
      .values(deals.slice(i, i + 1000))
      .execute();
  for (let i = 0; i < history.length; i += 1000)
    await t.db
      .insertInto('deal_history')
      .values(history.slice(i, i + 1000))
      .execute();
  for (let i = 0; i < changes.length; i += 1000)
    await t.db
      .insertInto('forecast_deal_changes')
      .values(changes.slice(i, i + 1000))
      .execute();
}

describe.skipIf(!present)('forecast backtest on Maven CRM', () => {
  beforeAll(async () => {
    t = await createTestDatabase('forecast_maven');
    connection = await insertConnection(t.db, { timeZone: 'UTC', currency: 'USD' });
    await load();
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  it('scores every method at weeks 1, 4 and 8 of each 2017 quarter', async () => {
    const { rows } = await runBacktest(t.db, connection, {
      from: parsePeriod('2017-Q1', connection),
      to: parsePeriod('2017-Q4', connection),
      trials: 2000,
    });
    expect(rows).toHaveLength(4 * 3 * FORECAST_METHODS.length);
    const lines = ['period week ' + FORECAST_METHODS.join(' ') + ' actual'];
    for (const q of ['2017-Q1', '2017-Q2', '2017-Q3', '2017-Q4']) {
      for (const week of [1, 4, 8]) {
        const cells = FORECAST_METHODS.map((m) => {
          const r = rows.find((x) => x.periodKey === q && x.week === week && x.method === m);
          return r?.absPctError === null || r === undefined ? 'n/a' : `${(r.absPctError * 100).toFixed(1)}%`;
        });
        const actual = rows.find((x) => x.periodKey === q)?.actual ?? 0;
        lines.push(`${q} w${week} ${cells.join(' ')} ${actual.toFixed(0)}`);
      }
    }
    const { summaries, best } = summarizeAccuracy(rows);
    lines.push(
      `mean week-4 error: ${summaries.map((s) => `${s.method}=${s.meanWeek4Error === null ? 'n/a' : (s.meanWeek4Error * 100).toFixed(1) + '%'}`).join(' ')}; default method: ${best}`,
    );
    console.log(lines.join('\n'));
    for (const r of rows) {
      // Every 2017 quarter has wins (the first close is 2017-03-01), so every error is defined.
      expect(r.actual).toBeGreaterThan(0);
      expect(Number.isFinite(r.absPctError)).toBe(true);
      expect(Number.isFinite(r.bias)).toBe(true);
      expect(r.forecast).toBeGreaterThanOrEqual(0);
    }
    // Structural: closed-so-far grows within a quarter, so roll-ups never fall below it; the
    // commit roll-up (no deal is in the commit category) equals the closed amount.
    const snaps = await t.db
      .selectFrom('forecast_snapshots')
      .selectAll()
      .where('owner_id', '=', '')
      .where('replay', '=', true)
      .execute();
    for (const s of snaps) {
      if (s.method === 'commit') expect(Number(s.forecast)).toBeCloseTo(Number(s.closed_won), 2);
      if (s.method === 'best_case')
        expect(Number(s.forecast)).toBeGreaterThanOrEqual(Number(s.closed_won) - 0.01);
      if (s.p10 !== null && s.p90 !== null) expect(Number(s.p10)).toBeLessThanOrEqual(Number(s.p90));
    }
    // The default, recomputed here from the rows: the lowest mean week-4 error over the four
    // quarters (all have wins), ties to the method listed first.
    const week4Mean = (m: string) => {
      const errors = rows.filter((r) => r.week === 4 && r.method === m).map((r) => r.absPctError as number);
      expect(errors).toHaveLength(4);
      return errors.reduce((a, e) => a + e, 0) / errors.length;
    };
    const lowest = Math.min(...FORECAST_METHODS.map(week4Mean));
    const expected = FORECAST_METHODS.find((m) => week4Mean(m) - lowest <= 1e-11);
    expect(best).toBe(expected);
    expect(summaries.find((s) => s.method === best)?.meanWeek4Error).toBeCloseTo(lowest, 12);
  }, 300_000);
});
