import { describe, expect, it } from 'vitest';
import { type DealChange, restate } from '../../src/comp/restatement.js';
import { computeStatement } from '../../src/comp/statement.js';
import { deal, inputs, plan7525, team } from './comp-fixtures.js';

/**
 * 2027-Q1 is closed. Ana (quota 100,000) was credited D1 and D2, 60,000 each: 120 % → 1.4 →
 * 15000 × 1.4 = 21,000; team East 1,000,000 of 1,000,000 → 5000 × 1 = 5,000; closed total 26,000.
 * Bo, her teammate, was credited 100,000 of 100,000: 15,000 + 5,000 = 20,000.
 */
const plan = plan7525();
const anaClosed = inputs(plan, {
  credits: [deal('D1', 60_000), deal('D2', 60_000)],
  team: team(1_000_000, 1_000_000),
});
const boClosed = inputs(plan, {
  ownerEmail: 'bo@acme.example',
  credits: [deal('B1', 100_000)],
  team: team(1_000_000, 1_000_000),
});
const change = (over: Partial<DealChange>): DealChange => ({
  dealId: 'D2',
  kind: 'changed',
  closeDate: '2027-02-15',
  changedOn: '2027-04-20',
  teamDeltaCents: -6_000_000n,
  ...over,
});

describe('restate', () => {
  it('a won deal reopened after the close → a restatement equal to the lost payout; the closed statement is untouched', () => {
    // Without D2: Ana 60,000 → 0.6 → 15000 × 0.6 = 9,000; team 940,000 → 0.94 → 4,700.
    // Restatement (9,000 + 4,700) − 26,000 = −12,300.
    const before = JSON.stringify(computeStatement(anaClosed).statement);
    const { lines, restated, standing } = restate(
      anaClosed,
      { credits: [deal('D1', 60_000)], quotaCents: anaClosed.quotaCents, team: team(940_000, 1_000_000) },
      [change({})],
    );
    expect(lines).toEqual([
      {
        kind: 'restatement',
        dealId: 'D2',
        period: '2027-Q1',
        amountCents: -1_230_000n,
        reason: 'restates closed 2027-Q1: deal D2 changed in the CRM on 2027-04-20',
      },
    ]);
    expect(standing).toEqual([]);
    expect(restated.credits.map((c) => c.dealId)).toEqual(['D1']);
    expect(JSON.stringify(computeStatement(anaClosed).statement)).toBe(before);
  });

  it("the same reopened deal restates a teammate's team component", () => {
    // Bo's own credit does not move; team 1,000,000 → 940,000: 5000 × 0.94 = 4,700, −300.
    const { lines } = restate(
      boClosed,
      { credits: boClosed.credits, quotaCents: boClosed.quotaCents, team: team(940_000, 1_000_000) },
      [change({})],
    );
    expect(lines.map((l) => [l.kind, l.dealId, l.amountCents])).toEqual([['restatement', 'D2', -30_000n]]);
  });

  it('a loss within the 90-day lookback is clawed back, up to day 90 itself', () => {
    // 2027-02-15 + 90 days: to Feb 28 = 13, Mar 31 = 44, Apr 30 = 74, May 16 = 90.
    for (const changedOn of ['2027-03-17', '2027-05-16']) {
      const { lines } = restate(
        anaClosed,
        { credits: [deal('D1', 60_000)], quotaCents: anaClosed.quotaCents, team: team(940_000, 1_000_000) },
        [change({ kind: 'lost', changedOn })],
      );
      expect(lines.map((l) => [l.kind, l.dealId, l.amountCents])).toEqual([['clawback', 'D2', -1_230_000n]]);
    }
  });

  it('a loss on day 91 is outside the lookback: the sale stands, for the rep and for the team', () => {
    const lost = change({ kind: 'lost', changedOn: '2027-05-17' });
    const { lines, standing, restated } = restate(
      anaClosed,
      { credits: [deal('D1', 60_000)], quotaCents: anaClosed.quotaCents, team: team(940_000, 1_000_000) },
      [lost],
    );
    expect(lines).toEqual([]);
    expect(standing).toEqual([lost]);
    expect(restated.credits.map((c) => c.dealId).sort()).toEqual(['D1', 'D2']);
    const bo = restate(
      boClosed,
      { credits: boClosed.credits, quotaCents: boClosed.quotaCents, team: team(940_000, 1_000_000) },
      [{ ...lost, teamDeltaCents: -6_000_000n }],
    );
    expect(bo.lines).toEqual([]);
  });

  it('two deals changed: one line each, in the order seen, adding up to the whole difference', () => {
    // D1 re-dated out of the quarter on Apr 10: Ana 60,000 → 9,000; team 940,000 → 4,700: −12,300.
    // D2's amount raised to 90,000 on Apr 20: Ana 90,000 → 0.9 → 13,500; team 970,000 → 4,850:
    //   (13,500 + 4,850) − 13,700 = +4,650. Together 18,350 − 26,000 = −7,650.
    const { lines } = restate(
      anaClosed,
      { credits: [deal('D2', 90_000)], quotaCents: anaClosed.quotaCents, team: team(970_000, 1_000_000) },
      [
        change({ dealId: 'D2', changedOn: '2027-04-20', teamDeltaCents: 3_000_000n }),
        change({ dealId: 'D1', changedOn: '2027-04-10', teamDeltaCents: -6_000_000n }),
      ],
    );
    expect(lines.map((l) => [l.dealId, l.amountCents])).toEqual([
      ['D1', -1_230_000n],
      ['D2', 465_000n],
    ]);
  });

  it('the lines go into the first open statement and its total', () => {
    // Q2: Ana at 100 % (15,000) and the team at 100 % (5,000) = 20,000; with the −12,300
    // restatement of Q1: 7,700.
    const { lines } = restate(
      anaClosed,
      { credits: [deal('D1', 60_000)], quotaCents: anaClosed.quotaCents, team: team(940_000, 1_000_000) },
      [change({})],
    );
    const q2 = computeStatement(
      inputs(plan, {
        period: { key: '2027-Q2', start: '2027-04-01', end: '2027-06-30' },
        workingDays: { assigned: 65, period: 65 },
        credits: [deal('E1', 100_000, 1, '2027-05-03')],
        team: team(1_000_000, 1_000_000),
        adjustments: lines,
      }),
    ).statement;
    expect(q2.adjustments).toEqual([
      {
        kind: 'restatement',
        dealId: 'D2',
        period: '2027-Q1',
        amount: -12_300,
        reason: 'restates closed 2027-Q1: deal D2 changed in the CRM on 2027-04-20',
      },
    ]);
    expect(q2.total).toBe(7_700);
  });

  it('a quota corrected after the close is one restatement without a deal', () => {
    // Quota 100,000 → 120,000: 120,000 ÷ 120,000 = 1 → 15,000, down 6,000 from 21,000.
    const { lines } = restate(
      anaClosed,
      { credits: anaClosed.credits, quotaCents: 12_000_000n, team: anaClosed.team },
      [],
    );
    expect(lines.map((l) => [l.kind, l.dealId, l.amountCents])).toEqual([['restatement', null, -600_000n]]);
  });
});
