import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import {
  comparisonWindow,
  computeRepComparison,
  type RepComparisonReport,
} from '../../src/metrics/rep-comparison.js';
import { wilsonInterval } from '../../src/metrics/rep-comparison-stats.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { type SeedDeal, seed, seedPipeline } from './attainment-fixture.js';

let t: TestDatabase;
let conn: Connection;
let report: RepComparisonReport;

/**
 * 2026-Q2 (UTC, calendar fiscal year) as of 2026-05-15; window 2025-07-01..2026-05-15.
 * x: won W1..W8 (amount 1000·i, created 10·i days before close → cycle 10·i days; W8 closes
 *    2026-04-10, in Q2), lost X1, X2 (history reached stage p); an 11k open deal due 2026-06-10.
 * y: won Y0 (1000), lost 9 (no history); plus a win on 2025-06-30, outside the window.
 * z: won 5, lost 5 (two of them reached p).
 */
function deals(): {
  deals: SeedDeal[];
  history: { deal: string; field: 'stage'; at: string; value: string }[];
} {
  const list: SeedDeal[] = [];
  const history: { deal: string; field: 'stage'; at: string; value: string }[] = [];
  for (let i = 1; i <= 8; i += 1) {
    const close = i === 8 ? '2026-04-10' : `2025-09-${String(10 + i).padStart(2, '0')}`;
    list.push({
      id: `W${i}`,
      owner: 'x',
      stage: 'w',
      amount: 1000 * i,
      closeDate: close,
      created: `${addDays(close, -10 * i)}T12:00:00Z`,
    });
  }
  for (const i of [1, 2]) {
    list.push({ id: `X${i}`, owner: 'x', stage: 'l', amount: 500, closeDate: '2025-10-01' });
    history.push({ deal: `X${i}`, field: 'stage', at: '2025-09-01T00:00:00Z', value: 'p' });
  }
  // Lost after the as-of date: outside the cut window.
  list.push({ id: 'X9', owner: 'x', stage: 'l', amount: 500, closeDate: '2026-05-20' });
  list.push({ id: 'XO', owner: 'x', stage: 'p', amount: 11_000, closeDate: '2026-06-10' });
  list.push({
    id: 'Y0',
    owner: 'y',
    stage: 'w',
    amount: 1000,
    closeDate: '2025-11-01',
    created: '2025-10-02T09:00:00Z',
  });
  list.push({ id: 'YOLD', owner: 'y', stage: 'w', amount: 1000, closeDate: '2025-06-30' });
  for (let i = 1; i <= 9; i += 1)
    list.push({ id: `YL${i}`, owner: 'y', stage: 'l', amount: 300, closeDate: '2025-12-01' });
  for (let i = 1; i <= 5; i += 1) {
    list.push({ id: `ZW${i}`, owner: 'z', stage: 'w', amount: 2000, closeDate: '2026-01-15' });
    list.push({ id: `ZL${i}`, owner: 'z', stage: 'l', amount: 2000, closeDate: '2026-01-15' });
  }
  history.push({ deal: 'ZL1', field: 'stage', at: '2026-01-01T00:00:00Z', value: 'p' });
  history.push({ deal: 'ZL2', field: 'stage', at: '2026-01-01T00:00:00Z', value: 'q' });
  history.push({ deal: 'ZL2', field: 'stage', at: '2026-01-05T00:00:00Z', value: 'p' });
  return { deals: list, history };
}

beforeAll(async () => {
  t = await createTestDatabase('comparison');
  conn = await insertConnection(t.db, { timeZone: 'UTC', fiscalYearStartMonth: 1 });
  await seedPipeline(t.db, conn.id);
  await seed(t.db, conn.id, {
    owners: [
      { id: 'x', email: 'x@example.com', name: 'Xia X' },
      { id: 'y', email: 'y@example.com', name: 'Yan Y' },
      { id: 'z', email: 'z@example.com', name: 'Zed Z' },
    ],
    ...deals(),
    quotas: ['2026-04-01', '2026-05-01', '2026-06-01'].map((month) => ({
      owner: 'x',
      month,
      amount: 10_000,
    })),
  });
  report = await computeRepComparison(t.db, conn, {
    period: parsePeriod('2026-Q2', conn),
    asOf: asOfInstant('2026-05-15', 'UTC'),
  });
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

const rep = (email: string) => report.reps.find((r) => r.ownerEmail === email);

describe('rep comparison', () => {
  it('uses the 12 months ending with the period, cut at the as-of date', () => {
    expect(comparisonWindow(parsePeriod('2026-Q2', conn))).toEqual({
      start: '2025-07-01',
      end: '2026-06-30',
    });
    expect(report.window).toEqual({ start: '2025-07-01', end: '2026-05-15' });
  });

  it('computes the team rate from the outcomes: 8+1+5 won of 30', () => {
    expect(report.team).toMatchObject({ won: 14, lost: 16 });
    expect(report.team.winRate).toBeCloseTo(14 / 30, 12);
  });

  // Wilson 95% by hand (z = 1.959964, z² = 3.841459, n = 10, 1 + z²/n = 1.3841459):
  //   8/10: centre (0.8 + 0.192073)/1.384146 = 0.716737, half 1.416009·√(0.016 + 0.009604) = 0.226577
  //         → [0.490161, 0.943314]: excludes 0.4667 → outlier.
  //   1/10: centre 0.211013, half 1.416009·√(0.009 + 0.009604) = 0.193136 → [0.017877, 0.404149] → outlier.
  //   5/10: centre 0.5, half 1.416009·√(0.025 + 0.009604) = 1.416009·0.186020 = 0.263407
  //         → [0.236593, 0.763407] → not.
  it.each([
    ['x@example.com', 8, 2, 0.490161, 0.943314, true],
    ['y@example.com', 1, 9, 0.017877, 0.404149, true],
    ['z@example.com', 5, 5, 0.236593, 0.763407, false],
  ] as const)(
    '%s: %i won, %i lost, interval [%f, %f], outlier %s',
    (email, won, lost, low, high, outlier) => {
      const r = rep(email);
      expect(r).toMatchObject({ won, lost, outlier });
      expect(r?.winRate).toBeCloseTo(won / (won + lost), 12);
      expect(r?.winRateLow).toBeCloseTo(low, 5);
      expect(r?.winRateHigh).toBeCloseTo(high, 5);
    },
  );

  it('matches the Wilson formula on the edges', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    // 0/5: centre = (z²/10)/(1 + z²/5) = 0.384146/1.768292 = 0.217240 = half → [0, 0.434481].
    expect(wilsonInterval(0, 5)?.low).toBe(0);
    expect(wilsonInterval(0, 5)?.high).toBeCloseTo(0.434481, 5);
  });

  it('takes medians of won deal size and cycle', () => {
    // x: sizes 1000..8000 → median (4000 + 5000)/2 = 4500; cycles 10..80 days → 45.
    expect(rep('x@example.com')).toMatchObject({ medianDealSize: 4500, medianCycleDays: 45 });
    // y: the only win in the window is Y0 (1000, created 2025-10-02, closed 2025-11-01 → 30 days);
    // YOLD (2025-06-30) is outside the window.
    expect(rep('y@example.com')).toMatchObject({ medianDealSize: 1000, medianCycleDays: 30 });
    // Team sizes: x 1000..8000, y 1000, z 2000 ×5 → 14 values sorted:
    // 1000,1000,2000,2000,2000,2000,2000,2000,3000,… → 7th and 8th are 2000 → 2000.
    expect(report.team.medianDealSize).toBe(2000);
  });

  it('counts reaching a stage as passing every earlier one', () => {
    // Team: every closed deal reached q (30). Reached p: 14 won + X1, X2 + ZL1, ZL2 = 18.
    // q→p = 18/30 = 0.6; p→won = 14/18.
    expect(report.team.conversion).toEqual([
      {
        pipelineId: 'pl',
        pipelineLabel: 'Sales',
        fromStage: 'Qualify',
        toStage: 'Propose',
        reached: 30,
        advanced: 18,
        rate: 0.6,
      },
      {
        pipelineId: 'pl',
        pipelineLabel: 'Sales',
        fromStage: 'Propose',
        toStage: 'won',
        reached: 18,
        advanced: 14,
        rate: 14 / 18,
      },
    ]);
    // x: 10 reached q, 10 reached p (8 won + 2 lost at p), 8 won.
    expect(rep('x@example.com')?.conversion.map((c) => c.rate)).toEqual([1, 0.8]);
  });

  it('computes coverage as open pipeline due in the period over remaining quota', () => {
    // x: quota 30k; closed in Q2 up to May 15 = W8 8k → remaining 22k; open XO 11k due Jun 10 → 0.5.
    expect(rep('x@example.com')?.coverage).toBeCloseTo(0.5, 12);
    // y, z: no quota → null.
    expect(rep('y@example.com')?.coverage).toBeNull();
  });
});
