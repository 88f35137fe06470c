import { describe, expect, it } from 'vitest';
import { computeStatement } from '../../src/comp/statement.js';
import { deal, inputs, plan7525, team } from './comp-fixtures.js';

/**
 * The 75/25 plan of DESIGN §12 (docs/examples/plan-75-25.yaml): target incentive 20,000 a
 * quarter; individual weight 0.75 on attainment, threshold 0.5, curve (0.5,0.5)-(1,1)-(1.5,2),
 * slope 2 beyond 1.5, cap 2.5; team weight 0.25, curve (0,0)-(1,1), slope 1 beyond, cap 1.5.
 * The individual payout is 20000 × 0.75 × m = 15000 × m, the team's 20000 × 0.25 × t = 5000 × t.
 * Quota 100,000 for the quarter, so attainment = credited ÷ 100,000. Every row is by hand:
 */
const individual: [string, number, number, number][] = [
  // [case, credited, multiplier, payout]
  ['40 %: below the 0.5 threshold → 0', 40_000, 0, 0],
  ['50 %: at the threshold, first point → 0.5 → 15000 × 0.5', 50_000, 0.5, 7_500],
  ['80 %: 0.5 + (0.8 − 0.5) × 1 = 0.8 → 12000', 80_000, 0.8, 12_000],
  ['100 %: the point (1, 1) → 15000', 100_000, 1, 15_000],
  ['120 %: 1 + 0.2 × 2 = 1.4 → 21000', 120_000, 1.4, 21_000],
  ['150 %: the last point (1.5, 2) → 30000', 150_000, 2, 30_000],
  ['175 %: 2 + 0.25 × 2 = 2.5, exactly the cap → 37500', 175_000, 2.5, 37_500],
  ['200 %: 2 + 0.5 × 2 = 3, capped at 2.5 → 37500', 200_000, 2.5, 37_500],
];
const teams: [string, number, number, number][] = [
  ['team 90 %: 0.9 → 5000 × 0.9 = 4500', 900_000, 0.9, 4_500],
  ['team 110 %: slope 1 continues, 1.1 → 5500', 1_100_000, 1.1, 5_500],
];

describe('the 75/25 plan', () => {
  const plan = plan7525();
  for (const [name, credited, multiplier, payout] of individual) {
    for (const [teamName, teamCredited, teamMultiplier, teamPayout] of teams) {
      it(`${name}; ${teamName}`, () => {
        const { statement, totalCents } = computeStatement(
          inputs(plan, { credits: [deal('D1', credited)], team: team(teamCredited, 1_000_000) }),
        );
        const [ind, tm] = statement.components;
        expect(ind).toMatchObject({ name: 'individual', value: credited / 100_000, multiplier, payout });
        expect(tm).toMatchObject({ name: 'team', value: teamCredited / 1_000_000, team: 'East' });
        expect(tm?.multiplier).toBe(teamMultiplier);
        expect(tm?.payout).toBe(teamPayout);
        expect(statement.total).toBe(payout + teamPayout);
        expect(totalCents).toBe(BigInt((payout + teamPayout) * 100));
      });
    }
  }

  it('the team measure at 160 % is capped at 1.5 → 5000 × 1.5 = 7500', () => {
    const { statement } = computeStatement(inputs(plan, { team: team(1_600_000, 1_000_000) }));
    expect(statement.components[1]).toMatchObject({ multiplier: 1.5, payout: 7_500 });
  });

  it('no quota → no attainment and no payout on it; no team → none on the team', () => {
    const { statement } = computeStatement(inputs(plan, { credits: [deal('D1', 50_000)], quotaCents: null }));
    expect(statement.components.map((c) => [c.value, c.multiplier, c.payout])).toEqual([
      [null, null, 0],
      [null, null, 0],
    ]);
    expect(statement.total).toBe(0);
  });
});
