import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';
import { applyQuotaImport } from '../../src/imports/quotas-import.js';
import { computeAttainment } from '../../src/metrics/attainment.js';
import { spreadQuota } from '../../src/warehouse/quotas.js';
import { insertConnection } from '../support/fixtures.js';
import { needSharedData } from '../support/requirements.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The public Maven CRM dataset (DESIGN §10), read from ../shared/data; never copied into the repo.
 * Per-agent won value per 2017 quarter, computed by the product from the warehouse, against an
 * independent plain-JS sum over the CSV, with a quota table built here.
 */
const maven = needSharedData('maven-crm', ['sales_pipeline.csv', 'sales_teams.csv']);
const DIR = maven.found ?? '';

interface Opportunity {
  opportunity_id: string;
  sales_agent: string;
  deal_stage: string;
  engage_date: string;
  close_date: string;
  close_value: string;
}
interface Agent {
  sales_agent: string;
  manager: string;
}

const read = <T>(name: string): T[] =>
  parse(readFileSync(join(DIR, name), 'utf8'), { columns: true, trim: true }) as T[];
const slug = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, '.');
const QUARTERS = ['2017-Q1', '2017-Q2', '2017-Q3', '2017-Q4'] as const;
const QUARTER_RANGE: Record<string, [string, string]> = {
  '2017-Q1': ['2017-01-01', '2017-03-31'],
  '2017-Q2': ['2017-04-01', '2017-06-30'],
  '2017-Q3': ['2017-07-01', '2017-09-30'],
  '2017-Q4': ['2017-10-01', '2017-12-31'],
};

/** The test's quota table: 60k a quarter for agents in even positions, 90k for odd, none for the first. */
function quotaFor(index: number): number | null {
  if (index === 0) return null;
  return index % 2 === 0 ? 60_000 : 90_000;
}

/** Bulk-loads the CSV into the warehouse in multi-row inserts. */
async function load(
  db: Db,
  c: number,
  opportunities: readonly Opportunity[],
  agents: readonly Agent[],
): Promise<void> {
  const managers = [...new Set(agents.map((a) => a.manager))];
  await db
    .insertInto('teams')
    .values(managers.map((m) => ({ connection_id: c, external_id: slug(m), name: m })))
    .execute();
  await db
    .insertInto('owners')
    .values(
      agents.map((a) => ({
        connection_id: c,
        external_id: slug(a.sales_agent),
        email: `${slug(a.sales_agent)}@maven.example`,
        first_name: a.sales_agent.split(' ')[0] ?? null,
        last_name: a.sales_agent.split(' ').slice(1).join(' '),
        active: true,
        user_id: null,
        manager_id: slug(a.manager),
        crm_created_at: null,
        crm_updated_at: null,
      })),
    )
    .execute();
  await db
    .insertInto('owner_teams')
    .values(
      agents.map((a) => ({
        connection_id: c,
        owner_id: slug(a.sales_agent),
        team_id: slug(a.manager),
        is_primary: true,
      })),
    )
    .execute();
  await db
    .insertInto('pipelines')
    .values({ connection_id: c, external_id: 'maven', label: 'Maven' })
    .execute();
  await db
    .insertInto('stages')
    .values(
      [
        ['Prospecting', 1, 0.1, false, false],
        ['Engaging', 2, 0.5, false, false],
        ['Won', 3, 1, true, true],
        ['Lost', 4, 0, true, false],
      ].map(([label, order, probability, closed, won]) => ({
        connection_id: c,
        external_id: label as string,
        pipeline_id: 'maven',
        label: label as string,
        display_order: order as number,
        probability: probability as number,
        is_closed: closed as boolean,
        is_won: won as boolean,
      })),
    )
    .execute();
  for (let i = 0; i < opportunities.length; i += 2000) {
    await db
      .insertInto('deals')
      .values(
        opportunities.slice(i, i + 2000).map((o) => ({
          connection_id: c,
          external_id: o.opportunity_id,
          name: o.opportunity_id,
          pipeline_id: 'maven',
          stage_id: o.deal_stage,
          owner_id: slug(o.sales_agent),
          amount: o.close_value === '' ? null : o.close_value,
          currency: 'USD',
          amount_home: null,
          crm_created_at: o.engage_date === '' ? null : `${o.engage_date}T12:00:00Z`,
          close_at: null,
          close_date: o.close_date === '' ? null : o.close_date,
          forecast_category: null,
          probability: null,
          last_modified_at: '2018-01-01T00:00:00Z',
          merged_into: null,
          deleted_at: null,
        })),
      )
      .execute();
  }
}

let t: TestDatabase;
let conn: Connection;
let opportunities: Opportunity[];
let agents: Agent[];

describe.skipIf(maven.missing)('Maven CRM: per-agent won value per 2017 quarter', () => {
  beforeAll(async () => {
    opportunities = read<Opportunity>('sales_pipeline.csv');
    agents = read<Agent>('sales_teams.csv');
    t = await createTestDatabase('maven');
    conn = await insertConnection(t.db, { name: 'maven', timeZone: 'UTC', fiscalYearStartMonth: 1 });
    await load(t.db, conn.id, opportunities, agents);
    // Quotas enter as one quarterly row per agent, spread over months by working days, exactly
    // as `quotas import` does.
    const months = agents.flatMap((a, index) => {
      const quota = quotaFor(index);
      if (quota === null) return [];
      return QUARTERS.flatMap((q) => {
        const [start, end] = QUARTER_RANGE[q] as [string, string];
        return spreadQuota(start, end, BigInt(quota) * 100n).map((s) => ({
          ownerId: slug(a.sales_agent),
          teamId: null,
          month: s.month,
          cents: s.cents,
          lines: [index + 2],
        }));
      });
    });
    await applyQuotaImport(t.db, conn, 'maven-quotas.csv', months);
  }, 120_000);

  afterAll(async () => {
    await t?.drop();
  });

  it.each(QUARTERS)('%s matches a plain-JS sum over the CSV', async (quarter) => {
    const [start, end] = QUARTER_RANGE[quarter] as [string, string];
    // Independent calculation: won rows closed in the quarter, summed per agent.
    const expected = new Map<string, number>();
    for (const o of opportunities) {
      if (o.deal_stage === 'Won' && o.close_date >= start && o.close_date <= end) {
        expected.set(o.sales_agent, (expected.get(o.sales_agent) ?? 0) + Number(o.close_value));
      }
    }
    const report = await computeAttainment(t.db, conn, {
      period: parsePeriod(quarter, conn),
      asOf: asOfInstant('2018-06-30', 'UTC'),
    });
    let checked = 0;
    agents.forEach((a, index) => {
      const won = expected.get(a.sales_agent) ?? 0;
      const quota = quotaFor(index);
      const rep = report.reps.find((r) => r.ownerEmail === `${slug(a.sales_agent)}@maven.example`);
      if (quota === null && won === 0) {
        expect(rep).toBeUndefined();
        return;
      }
      expect(rep?.closedWon).toBeCloseTo(won, 6);
      expect(rep?.quota).toBe(quota);
      if (quota === null) expect(rep?.attainment).toBeNull();
      else expect(rep?.attainment).toBeCloseTo(won / quota, 9);
      checked += 1;
    });
    expect(checked).toBeGreaterThanOrEqual(30);
    // Whole connection and per manager: sums, never means of ratios.
    const total = [...expected.values()].reduce((s, v) => s + v, 0);
    const totalQuota = agents.reduce((s, _a, i) => s + (quotaFor(i) ?? 0), 0);
    expect(report.team.closedWon).toBeCloseTo(total, 6);
    expect(report.team.quota).toBe(totalQuota);
    expect(report.team.attainment).toBeCloseTo(total / totalQuota, 9);
    for (const manager of new Set(agents.map((a) => a.manager))) {
      const members = agents.filter((a) => a.manager === manager);
      const won = members.reduce((s, a) => s + (expected.get(a.sales_agent) ?? 0), 0);
      expect(report.teams.find((x) => x.name === manager)?.closedWon ?? 0).toBeCloseTo(won, 6);
    }
  });
});
