import { describe, expect, it } from 'vitest';
import { simulateRouting } from '../../src/route/route-simulation.js';
import type { PoolMember, RoutableLead, RoutingRules } from '../../src/route/routing-model.js';
import { parseRoutingRules } from '../../src/route/routing-rules.js';

/** A favourite's month replayed through the rules; every figure below is counted by hand. */
const parsed = parseRoutingRules(
  `fallback: All
pools:
  - name: DE
    match: [{ field: country, equals: DE }]
    members: [ana@x.com, bo@x.com]
  - name: All
    members: [ana@x.com, cy@x.com]
`,
  { ownerEmails: new Set(['ana@x.com', 'bo@x.com', 'cy@x.com', 'zed@x.com']) },
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const rules: RoutingRules = parsed.rules;
const m = (email: string): PoolMember => ({ email, ownerId: email[0] as string, windows: [] });
const members = new Map([
  ['DE', [m('ana@x.com'), m('bo@x.com')]],
  ['All', [m('ana@x.com'), m('cy@x.com')]],
]);

function past(i: number, country: string, owner: string | null) {
  const lead: RoutableLead = {
    externalId: `L${i}`,
    createdAt: new Date(Date.UTC(2026, 10, 2, 9 + i)),
    email: null,
    fields: { country },
  };
  return { lead, actualOwnerEmail: owner };
}

describe('simulateRouting', () => {
  it('sets the rotation beside what happened, per rep and pool, in §5 terms', () => {
    // DE: 6 leads, all to ana in fact; the rotation alternates ana, bo. All: 2 leads, one to cy,
    // one to zed (not a member: outside the pool, nobody's expected share). Given out of order:
    // the replay sorts by time.
    const leads = [
      past(7, 'FR', 'zed@x.com'),
      ...[0, 1, 2, 3, 4, 5].map((i) => past(i, 'DE', 'ana@x.com')),
      past(6, 'FR', 'cy@x.com'),
    ];
    const result = simulateRouting({ rules, members, leads, timeZone: 'UTC' });
    expect(result.leads).toBe(8);
    expect(result.unrouted).toBe(0);
    expect(result.assignments.map((a) => `${a.leadId}:${a.simulated}`)).toEqual([
      'L0:ana@x.com',
      'L1:bo@x.com',
      'L2:ana@x.com',
      'L3:bo@x.com',
      'L4:ana@x.com',
      'L5:bo@x.com',
      'L6:ana@x.com', // All: ana and cy tie at 0.5, ana first by email
      'L7:cy@x.com',
    ]);
    // Simulated: DE ana 3/3, bo 3/3; All ana 1/1, cy 1/1 → ana 4 received, 4 expected.
    expect(result.simulated.reps).toEqual([
      { ownerEmail: 'ana@x.com', received: 4, expected: 4 },
      { ownerEmail: 'bo@x.com', received: 3, expected: 3 },
      { ownerEmail: 'cy@x.com', received: 1, expected: 1 },
    ]);
    // Actual: DE ana 6 received, each 3 expected; All: cy's lead shares 0.5/0.5, zed's counts for nobody.
    expect(result.actual.reps).toEqual([
      { ownerEmail: 'ana@x.com', received: 6, expected: 3.5 },
      { ownerEmail: 'bo@x.com', received: 0, expected: 3 },
      { ownerEmail: 'cy@x.com', received: 1, expected: 0.5 },
    ]);
    expect(result.actual.outsidePools).toEqual([{ ownerEmail: 'zed@x.com', received: 1 }]);
    expect(result.actual.pools.map((p) => p.pool)).toEqual(['DE', 'All']);
  });
});

describe('simulateRouting feeds the §5 measures (computed by the caller, here src/metrics)', () => {
  it("a planted favourite's excess disappears under the rules", async () => {
    const { gini, binomialTestTwoSided } = await import('../../src/metrics/fairness-stats.js');
    const one = parseRoutingRules('fallback: All\npools:\n  - name: All\n    members: rotation\n', {
      ownerEmails: new Set(),
    });
    if (!one.ok) throw new Error(JSON.stringify(one.problems));
    const reps = ['fav@x.com', 'b@x.com', 'c@x.com', 'd@x.com'];
    // 200 leads: every even one to the favourite, the odd ones round robin to b, c, d (34, 33, 33).
    const others = reps.slice(1);
    const leads = Array.from({ length: 200 }, (_, i) => ({
      lead: {
        externalId: `L${i}`,
        createdAt: new Date(Date.UTC(2026, 10, 2, 0, 10 * i)),
        email: null,
        fields: {},
      },
      actualOwnerEmail: i % 2 === 0 ? 'fav@x.com' : (others[((i - 1) / 2) % 3] as string),
    }));
    const result = simulateRouting({
      rules: one.rules,
      members: new Map([['All', reps.map(m)]]),
      leads,
      timeZone: 'UTC',
    });
    const ratios = (side: { reps: readonly { received: number; expected: number }[] }) =>
      side.reps.map((r) => r.received / r.expected);
    // Expected 200 × 1/4 = 50 each on both sides. Simulated: 50 each, ratios all 1 → Gini 0.
    // Actual ratios 2, 0.68, 0.66, 0.66 → Gini = Σ(2i − n − 1)·x / (n·Σx) = 4.04 / 16 = 0.2525.
    expect(result.simulated.reps.map((r) => [r.received, r.expected])).toEqual([
      [50, 50],
      [50, 50],
      [50, 50],
      [50, 50],
    ]);
    expect(gini(ratios(result.simulated))).toBe(0);
    expect(gini(ratios(result.actual))).toBeCloseTo(0.2525, 10);
    // The favourite's 100 of 200 at p = 1/4 is far out; 50 of 200 is the mode.
    expect(binomialTestTwoSided(100, 200, 0.25)).toBeLessThan(1e-10);
    expect(binomialTestTwoSided(50, 200, 0.25)).toBeGreaterThan(0.9);
  });
});
