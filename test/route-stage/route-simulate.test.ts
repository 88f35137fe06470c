import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeSimulateDocument } from '../../src/reports/route-simulate-document.js';
import { installRulesText } from '../../src/route/install-routing-rules.js';
import { simulateRoutingPeriod } from '../../src/route/simulate-routing-period.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * `route simulate` over the warehouse (DESIGN §7): November 2026 (UTC connection), three reps in
 * one pool, 15 leads of which a hand-picked favourite holds 11, and one more lead nobody took.
 * Every figure is hand-computed in the comments; the binomial p-values come from an independent
 * calculation (Python, exact fractions: Σ pmf(i) over pmf(i) ≤ pmf(k)·(1 + 1e-7), as R does).
 */
describe('route simulate', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('route_simulate');
  });
  afterAll(() => t.drop());

  it('sets the rules beside what happened, with the §5 measures for each side', async () => {
    const connection = await insertConnection(t.db);
    const c = connection.id;
    const owner = (id: string) => ({
      connection_id: c,
      external_id: id,
      email: `${id}@x.com`,
      first_name: id,
      last_name: null,
      active: true,
      user_id: `u-${id}`,
      manager_id: null,
    });
    await t.db
      .insertInto('owners')
      .values([owner('a'), owner('b'), owner('c')])
      .execute();
    const rules =
      'fallback: Everyone\npools:\n  - name: Everyone\n    members: [a@x.com, b@x.com, c@x.com]\n';
    expect((await installRulesText(t.db, c, rules, { dryRun: false })).ok).toBe(true);
    // Nov 2..16, one lead a day at noon: a holds 11, b the 3rd and 7th, c the 5th and 9th; the
    // 16th (Nov 17) has no owner. Oct 31's lead, held by b, is outside the window.
    const owners = ['a', 'a', 'b', 'a', 'c', 'a', 'b', 'a', 'c', 'a', 'a', 'a', 'a', 'a', 'a', null];
    const lead = (id: string, at: string, ownerId: string | null) => ({
      connection_id: c,
      external_id: id,
      email: null,
      owner_id: ownerId,
      assigned_at: null,
      score: null,
      rating: null,
      source: null,
      status: null,
      crm_created_at: new Date(at),
      last_modified_at: new Date(at),
    });
    await t.db
      .insertInto('leads')
      .values([
        lead('L0', '2026-10-31T12:00:00Z', 'b'),
        ...owners.map((o, i) => lead(`L${i + 1}`, `2026-11-${String(i + 2).padStart(2, '0')}T12:00:00Z`, o)),
      ])
      .execute();

    const doc = routeSimulateDocument(
      await simulateRoutingPeriod(t.db, connection, '2026-11-01', '2026-11-30'),
    );
    expect(doc).toMatchObject({ from: '2026-11-01', to: '2026-11-30', leads: 16, unrouted: 0 });
    // Simulated: a, b, c in turn (ties by longest wait, then email) → a 6 (leads 1, 4, …, 16),
    // b 5, c 5; expected 16/3 each. Ratios 1.125, 0.9375, 0.9375 (Σ 3): Gini = (−2·0.9375 +
    // 2·1.125) / (3·3) = 1/24. Chi-square = ((2/3)² + 2·(1/3)²) ÷ 16/3 = 0.125, dof 2, p = e^−0.0625.
    expect(doc.simulated.reps).toEqual([
      { ownerEmail: 'a@x.com', received: 6, expected: expect.closeTo(16 / 3, 10) },
      { ownerEmail: 'b@x.com', received: 5, expected: expect.closeTo(16 / 3, 10) },
      { ownerEmail: 'c@x.com', received: 5, expected: expect.closeTo(16 / 3, 10) },
    ]);
    expect(doc.simulated.gini).toBeCloseTo(1 / 24, 10);
    expect(doc.simulated.chiSquare.statistic).toBeCloseTo(0.125, 10);
    expect(doc.simulated.chiSquare.dof).toBe(2);
    expect(doc.simulated.chiSquare.pValue).toBeCloseTo(Math.exp(-0.0625), 10);
    // 6 of 16 at 1/3: p = 0.792 (5 of 16: 1.0): nobody flagged.
    expect(doc.simulated.flags).toEqual([]);

    // Actual: the 15 held leads, 5 expected each (the unowned one counts for nobody). Ratios
    // 2.2, 0.4, 0.4: Gini = (−2·0.4 + 2·2.2) / (3·3) = 0.4. Chi-square = (36 + 9 + 9) / 5 = 10.8,
    // dof 2, p = e^−5.4 = 0.004516580942612666.
    expect(doc.actual.reps).toEqual([
      { ownerEmail: 'a@x.com', received: 11, expected: expect.closeTo(5, 10) },
      { ownerEmail: 'b@x.com', received: 2, expected: expect.closeTo(5, 10) },
      { ownerEmail: 'c@x.com', received: 2, expected: expect.closeTo(5, 10) },
    ]);
    expect(doc.actual.gini).toBeCloseTo(0.4, 10);
    expect(doc.actual.chiSquare.statistic).toBeCloseTo(10.8, 10);
    expect(doc.actual.chiSquare.pValue).toBeCloseTo(0.004516580942612666, 10);
    // Binomial, n 15, p 1/3: a (11) p = 0.0018071759751457027, b and c (2) p = 0.16758872295987423.
    // BH over 3: a 0.0018… × 3 = 0.005421527925437108 < 0.05 → flagged; b, c 0.1676 → not.
    expect(doc.actual.flags).toHaveLength(1);
    expect(doc.actual.flags[0]?.ownerEmail).toBe('a@x.com');
    expect(doc.actual.flags[0]?.pValue).toBeCloseTo(0.005421527925437108, 10);
    expect(doc.actual.flags[0]?.reason).toMatch(/^more leads than expected: received 11, expected 5\.0/);

    // Shadow mode: nothing decided, nothing queued.
    expect(await t.db.selectFrom('routing_decisions').selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom('push_outbox').selectAll().execute()).toEqual([]);
  });

  it('refuses dates that are not days, and a connection without rules', async () => {
    const connection = await insertConnection(t.db, { name: 'norules' });
    await expect(simulateRoutingPeriod(t.db, connection, '2026-11', '2026-11-30')).rejects.toThrow(
      /--from must be a date/,
    );
    await expect(simulateRoutingPeriod(t.db, connection, '2026-11-01', '2026-11-30')).rejects.toThrow(
      /no routing rules/,
    );
  });
});
