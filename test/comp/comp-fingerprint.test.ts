import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compStep } from '../../src/comp/comp-step.js';
import { parsePlanFile } from '../../src/comp/plan-file.js';
import type { Connection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';
import { statementsIn } from '../../src/warehouse/comp-statements.js';
import { addManualAdjustments, addPlanVersion, upsertAssignments } from '../../src/warehouse/comp-tables.js';
import { seed, seedPipeline } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The comp step under the compute fingerprint (issue 19): a sync that changed nothing the step
 * reads recomputes no payout; a new plan version, assignment or adjustment does.
 *
 * Seed (hand-made), 2026-Q1, the 75/25 plan of docs/examples/plan-75-25.yaml, both reps assigned
 * the whole quarter (prorate 1), team East = alice + bob, no explicit team quota:
 * - alice: quota 100,000, won d1 120,000 → 1.2 → on the (1,1)-(1.5,2) segment 1 + 0.2 × 2 = 1.4
 *   → 20,000 × 0.75 × 1.4 = 21,000.
 * - bob: quota 100,000, won d2 80,000 → 0.8 → on (0.5,0.5)-(1,1) 0.8 → 20,000 × 0.75 × 0.8 = 12,000.
 * - East: (120,000 + 80,000) ÷ 200,000 = 1.0 → 20,000 × 0.25 × 1 = 5,000 each.
 * Totals: alice 26,000, bob 17,000.
 */
describe('the comp step and the compute fingerprint', () => {
  let t: TestDatabase;
  let db: Db;
  let connection: Connection;
  const asOf = new Date('2026-02-01T23:59:59Z');
  const step = (runId: number) => compStep(db, connection, { asOf, replay: false, runId });
  const totals = async () =>
    Object.fromEntries(
      (await statementsIn(db, connection.id, '2026-Q1')).map((s) => [
        s.owner_id,
        (s.document as { total: number }).total,
      ]),
    );
  const assign = (owner: string, targetIncentive: string | null) => ({
    connection_id: connection.id,
    owner_id: owner,
    plan_name: 'AE 2027',
    start_date: '2026-01-01',
    end_date: '2026-12-31',
    target_incentive: targetIncentive,
    draw: null,
  });
  let yaml: string;
  const addPlan = async (text: string) => {
    const parsed = parsePlanFile(text);
    if (!parsed.ok) throw new Error('the plan must parse');
    await addPlanVersion(db, { name: parsed.plan.name, hash: parsed.plan.hash, yaml: text, parsed: '{}' });
  };

  beforeAll(async () => {
    t = await createTestDatabase('comp_fingerprint');
    db = t.db;
    connection = await insertConnection(db);
    const c = connection.id;
    await seedPipeline(db, c);
    await seed(db, c, {
      owners: [
        { id: 'a', email: 'alice@example.com', name: 'Alice Ames' },
        { id: 'b', email: 'bob@example.com', name: 'Bob Brown' },
      ],
      teams: [{ id: 'east', name: 'East', members: ['a', 'b'] }],
      deals: [
        { id: 'd1', owner: 'a', stage: 'w', amount: 120_000, closeDate: '2026-01-10' },
        { id: 'd2', owner: 'b', stage: 'w', amount: 80_000, closeDate: '2026-01-15' },
      ],
      quotas: ['a', 'b'].flatMap((owner) =>
        (['2026-01-01', '2026-02-01', '2026-03-01'] as const).map((month, i) => ({
          owner,
          month,
          amount: [30_000, 30_000, 40_000][i] as number,
        })),
      ),
    });
    yaml = await readFile(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url), 'utf8');
    await addPlan(yaml);
    await upsertAssignments(db, [assign('a', null), assign('b', null)]);
  });
  afterAll(() => t.drop());

  it('computes once, then skips while nothing it reads changes', async () => {
    // The first snapshot opens one membership per rep (alice and bob in East): 2.
    expect(await step(1)).toEqual({ compStatements: 2, compRestatementLines: 0, teamMembershipChanges: 2 });
    expect(await totals()).toEqual({ a: 26_000, b: 17_000 });
    const before = await statementsIn(db, connection.id, '2026-Q1');
    expect(await step(2)).toEqual({
      compStatements: 0,
      compRestatementLines: 0,
      teamMembershipChanges: 0,
      computeSkipped_comp: 1,
    });
    expect(await statementsIn(db, connection.id, '2026-Q1')).toEqual(before);
  });

  it('recomputes after a manual adjustment: alice 26,000 + 500 = 26,500', async () => {
    await addManualAdjustments(db, [
      {
        connection_id: connection.id,
        owner_id: 'a',
        period_key: '2026-Q1',
        amount: '500.00',
        reason: 'SPIF',
        deal_id: null,
        source_period: null,
      },
    ]);
    expect(await step(3)).toEqual({ compStatements: 1, compRestatementLines: 0, teamMembershipChanges: 0 });
    expect(await totals()).toEqual({ a: 26_500, b: 17_000 });
    expect((await step(4)).computeSkipped_comp).toBe(1);
  });

  it('recomputes after an assignment change: bob at 10,000 → 6,000 + 2,500 = 8,500', async () => {
    // bob's override halves both components: 10,000 × 0.75 × 0.8 = 6,000; 10,000 × 0.25 × 1 = 2,500.
    await upsertAssignments(db, [assign('b', '10000.00')]);
    expect(await step(5)).toEqual({ compStatements: 1, compRestatementLines: 0, teamMembershipChanges: 0 });
    expect(await totals()).toEqual({ a: 26_500, b: 8_500 });
    expect((await step(6)).computeSkipped_comp).toBe(1);
  });

  it('recomputes after a new plan version: target incentive 30,000 → alice 39,500', async () => {
    // alice: 30,000 × 0.75 × 1.4 = 31,500; 30,000 × 0.25 × 1 = 7,500; + 500 SPIF = 39,500. bob
    // keeps his 10,000 override (8,500), but the plan hash is in both statements' inputs: 2 rows.
    await addPlan(yaml.replace('targetIncentive: 20000', 'targetIncentive: 30000'));
    expect(await step(7)).toEqual({ compStatements: 2, compRestatementLines: 0, teamMembershipChanges: 0 });
    expect(await totals()).toEqual({ a: 39_500, b: 8_500 });
    expect((await step(8)).computeSkipped_comp).toBe(1);
  });
});
