import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { computeAttainment } from '../../src/metrics/attainment.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { Q3, seed, seedPipeline } from './attainment-fixture.js';

let t: TestDatabase;
let ny: Connection;
let febFy: Connection;

beforeAll(async () => {
  t = await createTestDatabase('attainment');
  ny = await insertConnection(t.db, { name: 'ny', timeZone: 'America/New_York', fiscalYearStartMonth: 1 });
  await seedPipeline(t.db, ny.id);
  await seed(t.db, ny.id, Q3);

  // Fiscal year starting in February (UTC): FY2027 = 2026-02-01..2027-01-31.
  febFy = await insertConnection(t.db, { name: 'feb', timeZone: 'UTC', fiscalYearStartMonth: 2 });
  await seedPipeline(t.db, febFy.id);
  await seed(t.db, febFy.id, {
    owners: [{ id: 'f', email: 'fay@example.com', name: 'Fay Fox' }],
    deals: [
      { id: 'F0', owner: 'f', stage: 'w', amount: 5_000, closeDate: '2026-01-31' }, // FY2026
      { id: 'F1', owner: 'f', stage: 'w', amount: 6_000, closeDate: '2026-02-01' }, // FY2027 Q1
      { id: 'F2', owner: 'f', stage: 'w', amount: 6_000, closeDate: '2027-01-31' }, // FY2027 Q4
    ],
    quotas: [
      { owner: 'f', month: '2026-01-01', amount: 1_000 },
      { owner: 'f', month: '2026-02-01', amount: 12_000 },
      { owner: 'f', month: '2027-01-01', amount: 12_000 },
      { owner: 'f', month: '2027-02-01', amount: 1_000 },
    ],
  });
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

const q3 = () => parsePeriod('2026-Q3', ny);
const byEmail = <T extends { ownerEmail: string | null }>(list: readonly T[], email: string): T => {
  const found = list.find((r) => r.ownerEmail === email);
  if (!found) throw new Error(`no row for ${email}`);
  return found;
};

describe('attainment for a closed quarter (2026-Q3, America/New_York)', () => {
  // Credits (see attainment-fixture.ts):
  //   alice = D1 40k (won 23:59:59 local on Sep 30) + D2 22k (amount_home) + D4 60% of 10k = 68k
  //   bob   = D3 30k (won by bob, reassigned to carol later) + D4 40% of 10k = 34k
  //   carol = D5 5k (D3 is not hers); dave = D6 35k; erin = 0.
  it.each([
    // email, quota, closedWon, attainment
    ['alice@example.com', 90_000, 68_000, 68_000 / 90_000], // CSV 30k×3 beats the CRM 50k July
    ['bob@example.com', 60_000, 34_000, 34_000 / 60_000], // CRM rows used where no CSV exists
    ['carol@example.com', null, 5_000, null], // no quota → null
    ['dave@example.com', 30_000, 35_000, 35_000 / 30_000], // joined mid-quarter: 10k Aug + 20k Sep
    ['erin@example.com', 30_000, 0, 0], // quota, no deals → 0
  ] as const)('%s: quota %s, closed %s, attainment %s', async (email, quota, closedWon, attainment) => {
    const report = await computeAttainment(t.db, ny, {
      period: q3(),
      asOf: asOfInstant('2026-10-15', ny.timeZone),
    });
    const rep = byEmail(report.reps, email);
    expect(rep.quota).toBe(quota);
    expect(rep.closedWon).toBeCloseTo(closedWon, 6);
    if (attainment === null) expect(rep.attainment).toBeNull();
    else expect(rep.attainment).toBeCloseTo(attainment, 9);
    // Closed period: run rate = closed; no pipeline left to weight.
    expect(rep.runRateProjection).toBeCloseTo(closedWon, 6);
    expect(rep.closedPlusWeighted).toBeCloseTo(closedWon, 6);
  });

  it('rolls up teams and the connection as sums, never a mean of ratios', async () => {
    const report = await computeAttainment(t.db, ny, {
      period: q3(),
      asOf: asOfInstant('2026-10-15', ny.timeZone),
    });
    expect(report.reps).toHaveLength(5);
    // Σ quota 90+60+30+30 = 210k; Σ credited 68+34+5+35+0 = 142k (carol's 5k counts though she has no quota).
    expect(report.team.quota).toBe(210_000);
    expect(report.team.closedWon).toBeCloseTo(142_000, 6);
    expect(report.team.attainment).toBeCloseTo(142 / 210, 9);
    // Reps with a quota: alice, bob, dave, erin; only dave ≥ 100% → 1/4.
    expect(report.team.shareAtOrAbove100).toBe(0.25);
    const east = report.teams.find((x) => x.name === 'East');
    // East: reps' quota 90+60 = 150k, closed 68+34 = 102k → 0.68; explicit 100+75+75 = 250k → 0.408.
    expect(east).toMatchObject({ quota: 150_000, explicitQuota: 250_000 });
    expect(east?.attainment).toBeCloseTo(0.68, 9);
    expect(east?.attainmentVsExplicitQuota).toBeCloseTo(0.408, 9);
    // West: quota 0 (carol) + 30 + 30 = 60k, closed 5+35 = 40k → 2/3; no explicit quota.
    const west = report.teams.find((x) => x.name === 'West');
    expect(west).toMatchObject({ quota: 60_000, explicitQuota: null, attainmentVsExplicitQuota: null });
    expect(west?.attainment).toBeCloseTo(40 / 60, 9);
  });

  it('does not depend on --as-of once the period has ended', async () => {
    // The as-of day being the quarter's last day already closes it (its end-of-day includes D1).
    const reports = await Promise.all(
      ['2026-09-30', '2026-10-01', '2027-06-30'].map((d) =>
        computeAttainment(t.db, ny, { period: q3(), asOf: asOfInstant(d, ny.timeZone) }),
      ),
    );
    const strip = (r: (typeof reports)[number]) => ({ ...r, asOf: null });
    expect(strip(reports[1] as (typeof reports)[number])).toEqual(
      strip(reports[0] as (typeof reports)[number]),
    );
    expect(strip(reports[2] as (typeof reports)[number])).toEqual(
      strip(reports[0] as (typeof reports)[number]),
    );
  });
});

describe('attainment mid-quarter (as of Fri 2026-08-14)', () => {
  // Working days elapsed: July 23 + Aug 3..7 and 10..14 = 10 → 33 of 66, so run rate = 2 × closed.
  // Closed so far (close date ≤ Aug 14): alice D2 22k; bob D3 30k; carol D5 5k; dave 0; erin 0.
  // Weighted pipeline due in Q3: alice D10 10k × 0.2 = 2k; bob D9 50k × 0.6 = 30k.
  it.each([
    ['alice@example.com', 22_000, 44_000, 24_000],
    ['bob@example.com', 30_000, 60_000, 60_000],
    ['carol@example.com', 5_000, 10_000, 5_000],
    ['dave@example.com', 0, 0, 0],
    ['erin@example.com', 0, 0, 0],
  ] as const)(
    '%s: closed %s, run rate %s, closed + weighted %s',
    async (email, closed, runRate, plusWeighted) => {
      const report = await computeAttainment(t.db, ny, {
        period: q3(),
        asOf: asOfInstant('2026-08-14', ny.timeZone),
      });
      expect(report.workingDays).toEqual({ elapsed: 33, total: 66 });
      const rep = byEmail(report.reps, email);
      expect(rep.closedWon).toBeCloseTo(closed, 6);
      expect(rep.runRateProjection).toBeCloseTo(runRate, 6);
      expect(rep.closedPlusWeighted).toBeCloseTo(plusWeighted, 6);
    },
  );

  it('gives no run rate before the first working day', async () => {
    // Q3 starts on Wed Jul 1; as of Jun 30 nothing has elapsed.
    const report = await computeAttainment(t.db, ny, {
      period: q3(),
      asOf: asOfInstant('2026-06-30', ny.timeZone),
    });
    expect(report.team.runRateProjection).toBeNull();
    expect(report.team.closedWon).toBe(0);
  });
});

describe('a fiscal year starting in February', () => {
  it.each([
    // FY2027 = 2026-02-01..2027-01-31: F1 6k + F2 6k = 12k; quota Feb 12k + Jan 12k = 24k → 0.5.
    ['2027', 24_000, 12_000, 0.5],
    // FY2027-Q1 = Feb..Apr 2026: F1 6k; quota Feb 12k → 0.5.
    ['2027-Q1', 12_000, 6_000, 0.5],
    // FY2026-Q4 = Nov 2025..Jan 2026: F0 5k; quota Jan 1k → 5.
    ['2026-Q4', 1_000, 5_000, 5],
  ] as const)('period %s: quota %s, closed %s, attainment %s', async (spec, quota, closed, attainment) => {
    const period = parsePeriod(spec, febFy);
    const report = await computeAttainment(t.db, febFy, { period, asOf: asOfInstant('2027-06-01', 'UTC') });
    expect(report.reps).toHaveLength(1);
    expect(report.reps[0]).toMatchObject({ quota, closedWon: closed });
    expect(report.reps[0]?.attainment).toBeCloseTo(attainment, 9);
  });
});
