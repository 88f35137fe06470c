import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/calendar/periods.js';
import { payoutPeriodsIn, prorate } from '../../src/comp/proration.js';
import { computeStatement } from '../../src/comp/statement.js';
import { InvalidInputError } from '../../src/domain-error.js';
import { deal, inputs, plan7525, planFrom, Q1_2027, team } from './comp-fixtures.js';

const fiscal = { fiscalYearStartMonth: 1, timeZone: 'UTC' };

describe('proration', () => {
  it('a hire on Wed 2027-02-03 works 41 of the quarter’s 64 working days', () => {
    // By hand from a calendar: Jan 2027 starts on a Friday: Fri 1 + Mon 4..Fri 29 = 21; Feb and
    // Mar start on Mondays: Feb 4 full weeks = 20, Mar 4 weeks + Mon 29..Wed 31 = 23; 21+20+23 = 64.
    // From Wed Feb 3: Feb loses Mon 1 and Tue 2 → 18, + March 23 = 41.
    const p = prorate({ start: '2027-02-03', end: '2027-12-31' }, Q1_2027);
    expect([p.assigned, p.period]).toEqual([41, 64]);
    expect(p.factor).toEqual({ num: 41n, den: 64n });
  });

  it('the same hire month by month: January 0 of 21, February 18 of 20, March 23 of 23', () => {
    // The month counts of the comment above: 21, 20, 23; from Feb 3, February loses two days.
    const hire = { start: '2027-02-03', end: '2027-12-31' };
    const months = payoutPeriodsIn('month', parsePeriod('2027-Q1', fiscal), fiscal);
    expect(months.map((m) => [prorate(hire, m).assigned, prorate(hire, m).period])).toEqual([
      [0, 21],
      [18, 20],
      [23, 23],
    ]);
  });

  it('a monthly plan asked for a quarter lists its three months; a quarterly plan refuses a month', () => {
    const quarter = parsePeriod('2027-Q1', fiscal);
    expect(payoutPeriodsIn('month', quarter, fiscal).map((p) => p.key)).toEqual([
      '2027-01',
      '2027-02',
      '2027-03',
    ]);
    expect(payoutPeriodsIn('quarter', quarter, fiscal).map((p) => p.key)).toEqual(['2027-Q1']);
    expect(payoutPeriodsIn('quarter', parsePeriod('2027', fiscal), fiscal)).toHaveLength(4);
    expect(() => payoutPeriodsIn('quarter', parsePeriod('2027-02', fiscal), fiscal)).toThrow(
      InvalidInputError,
    );
  });
});

describe('computeStatement', () => {
  const plan = plan7525();

  it('a mid-quarter hire at 41 of 64 working days, on the quota prorated for them', () => {
    // Full-quarter quota 128,000 × 41/64 = 82,000 (what the quota import gives them).
    // 95,120 ÷ 82,000 = 1.16 → individual multiplier 1 + 0.16 × 2 = 1.32:
    //   20000 × 41/64 × 0.75 × 1.32 = 12684.375 → 12684.38 (half away from zero; doubles give
    //   12684.374999999998 and would round to 12684.37).
    // Team 100 %: 20000 × 41/64 × 0.25 × 1 = 3203.125 → 3203.13.
    // Total 12684.38 + 3203.13 = 15887.51.
    const { statement } = computeStatement(
      inputs(plan, {
        workingDays: { assigned: 41, period: 64 },
        quotaCents: 8_200_000n,
        credits: [deal('D1', 95_120)],
        team: team(500_000, 500_000),
      }),
    );
    expect(statement.prorate).toBe(0.640625);
    expect(statement.components.map((c) => [c.value, c.multiplier, c.payout])).toEqual([
      [1.16, 1.32, 12_684.38],
      [1, 1, 3_203.13],
    ]);
    expect(statement.total).toBe(15_887.51);
  });

  it('a 60/40 split deal credits 6,000 and 4,000 of 10,000', () => {
    // Quota 10,000 each. Ana 60 %: 0.6 → multiplier 0.6 → 15000 × 0.6 = 9000.
    // Bo 40 %: 0.4 is below the 0.5 threshold → 0.
    const split = (share: number) =>
      computeStatement(inputs(plan, { quotaCents: 1_000_000n, credits: [deal('S1', 10_000, share)] }))
        .statement;
    const ana = split(0.6);
    const bo = split(0.4);
    expect(ana.credits).toEqual([
      { dealId: 'S1', name: 'Deal S1', closeDate: '2027-02-15', amount: 10_000, share: 0.6 },
    ]);
    expect(ana.components[0]).toMatchObject({ credited: 6_000, value: 0.6, multiplier: 0.6, payout: 9_000 });
    expect(bo.components[0]).toMatchObject({ credited: 4_000, value: 0.4, multiplier: 0, payout: 0 });
  });

  it('a rate-based plan across two tiers', () => {
    // rates [[0, 0.08], [500000, 0.12]] on 600,000 credited (two deals of 350,000 and 250,000):
    // 500,000 × 0.08 + 100,000 × 0.12 = 40,000 + 12,000 = 52,000.
    const revenue = planFrom(`
name: Hunter
currency: USD
payoutPeriod: quarter
targetIncentive: 0
components:
  - { name: commission, measure: credited_amount, rates: [[0, 0.08], [500000, 0.12]] }
`);
    const { statement } = computeStatement(
      inputs(revenue, { credits: [deal('R1', 350_000), deal('R2', 250_000)] }),
    );
    expect(statement.components).toEqual([
      {
        name: 'commission',
        measure: 'credited_amount',
        value: 600_000,
        multiplier: null,
        payout: 52_000,
        credited: 600_000,
        quota: null,
        team: null,
      },
    ]);
    expect(statement.total).toBe(52_000);
    // Just inside the first tier: 499,999.99 × 0.08 = 39,999.9992 → 40,000.00.
    const below = computeStatement(inputs(revenue, { credits: [deal('R3', 499_999.99)] })).statement;
    expect(below.total).toBe(40_000);
  });

  it('a third of a cent in each component: each rounds down, the total is their sum', () => {
    // Quota 45,000.00, credited 30,000.01: attainment 3000001/4500000 (on the 0.5–1 segment, so the
    // multiplier is the attainment): 20000 × 0.75 × 3000001/4500000 = 10000.00333… → 10000.00.
    // Team quota 15,000.00, credited 12,000.01: 20000 × 0.25 × 1200001/1500000 = 4000.00333… → 4000.00.
    // Total 14000.00 (rounding the unrounded sum 14000.00667 would give 14000.01).
    const { statement } = computeStatement(
      inputs(plan, {
        quotaCents: 4_500_000n,
        credits: [deal('T1', 30_000.01)],
        team: team(12_000.01, 15_000),
      }),
    );
    expect(statement.components.map((c) => c.payout)).toEqual([10_000, 4_000]);
    expect(statement.total).toBe(14_000);
  });

  it('a draw paid in a weak quarter and recovered in the next', () => {
    // Draw 5,000 a quarter. Q1: 40 % + no team → earned 0 → draw 5,000 paid, owed 5,000.
    // Q2: 120 % → 21,000 earned; 21,000 − 5,000 draw = 16,000 room ≥ 5,000 owed → 5,000
    // recovered, total 16,000, owed 0.
    const drawn = { ...plan, drawCents: 500_000n };
    const weak = computeStatement(inputs(drawn, { credits: [deal('W1', 40_000)] }));
    expect(weak.statement.adjustments.map((a) => [a.kind, a.amount])).toEqual([['draw', 5_000]]);
    expect([weak.statement.total, weak.statement.drawBalance]).toEqual([5_000, 5_000]);
    const q2 = { key: '2027-Q2', start: '2027-04-01', end: '2027-06-30' };
    const strong = computeStatement(
      inputs(drawn, {
        period: q2,
        workingDays: { assigned: 65, period: 65 },
        credits: [deal('W2', 120_000, 1, '2027-05-10')],
        drawBalanceCents: weak.drawBalanceCents,
      }),
    );
    expect(strong.statement.adjustments.map((a) => [a.kind, a.amount])).toEqual([['draw_recovery', -5_000]]);
    expect([strong.statement.total, strong.statement.drawBalance]).toEqual([16_000, 0]);
    // Q2 at 50 % instead: 7,500 earned ≥ the 5,000 draw, room 2,500 → recovers 2,500, owes 2,500.
    const partial = computeStatement(
      inputs(drawn, { credits: [deal('W3', 50_000)], drawBalanceCents: 500_000n }),
    ).statement;
    expect([partial.total, partial.drawBalance]).toEqual([5_000, 2_500]);
  });

  it('adjustments add to the total; the inputs hash changes with any input and ignores credit order', () => {
    const base = inputs(plan, {
      credits: [deal('A', 60_000), deal('B', 40_000)],
      team: team(900_000, 1_000_000),
    });
    const spiff = {
      kind: 'manual' as const,
      dealId: null,
      period: '2027-Q1',
      amountCents: 25_050n,
      reason: 'Q1 SPIF: first multi-year deal',
    };
    const withSpiff = computeStatement({ ...base, adjustments: [spiff] }).statement;
    // 100 % → 15,000 + team 4,500 + SPIF 250.50 = 19,750.50.
    expect(withSpiff.total).toBe(19_750.5);
    const a = computeStatement(base).statement.inputsHash;
    const reordered = computeStatement({ ...base, credits: [...base.credits].reverse() }).statement
      .inputsHash;
    expect(reordered).toBe(a);
    expect(withSpiff.inputsHash).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
