import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCompStatements } from '../../src/comp/comp-step.js';
import { parsePlanFile } from '../../src/comp/plan-file.js';
import type { Connection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';
import { closePeriod, statementsIn } from '../../src/warehouse/comp-statements.js';
import { addPlanVersion, upsertAssignments } from '../../src/warehouse/comp-tables.js';
import { replaceMemberships } from '../../src/warehouse/owner-tables.js';
import { seed, seedPipeline } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The comp step against a seeded warehouse (issue 19, step 3): the 75/25 plan of
 * docs/examples/plan-75-25.yaml (target incentive 20,000; individual: curve
 * (0.5,0.5)-(1,1)-(1.5,2), threshold 0.5, cap 2.5, weight 0.75; team: curve (0,0)-(1,1) with the
 * last slope continued, cap 1.5, weight 0.25), 2026-Q1 (UTC, fiscal = calendar; Jan 1..Mar 31,
 * 22 + 20 + 22 = 64 working days), every rep assigned the whole quarter (prorate 1).
 *
 * Seed (hand-made; every payout below is computed by hand from it):
 * - alice: quota 30k + 30k + 40k = 100k; won d1 120,000 (Feb 10) and 60 % of d3 50,000
 *   (Mar 10, split 60/40 with bob) = 150,000 → attainment 1.5.
 * - bob: quota 100k; won d2 80,000 (Mar 5) and 40 % of d3 = 20,000 → 100,000 → 1.0.
 * - carol: quota 15k + 15k + 20k = 50k; won d4 40,000 (Jan 20) → 0.8. On team West at the
 *   first sync (Feb 1), moved to East on Feb 16 (second sync).
 * - walt (West, not on a plan): quota 100k; won d5 30,000 (Feb 2).
 * No explicit team quota: the team measure is Σ credited ÷ Σ quota of the members.
 */
describe('the comp step', () => {
  let t: TestDatabase;
  let db: Db;
  let connection: Connection;
  const at = (day: string) => new Date(`${day}T23:59:59Z`);
  const totals = async () =>
    Object.fromEntries(
      (await statementsIn(db, connection.id, '2026-Q1')).map((s) => {
        const doc = JSON.parse(JSON.stringify(s.document)) as {
          components: { name: string; payout: number; multiplier: number }[];
          total: number;
        };
        return [s.owner_id, [...doc.components.map((c) => c.payout), doc.total]];
      }),
    );

  beforeAll(async () => {
    t = await createTestDatabase('comp_step');
    db = t.db;
    connection = await insertConnection(db);
    const c = connection.id;
    await seedPipeline(db, c);
    const q = (owner: string, amounts: [number, number, number]) =>
      (['2026-01-01', '2026-02-01', '2026-03-01'] as const).map((month, i) => ({
        owner,
        month,
        amount: amounts[i] as number,
      }));
    await seed(db, c, {
      owners: [
        { id: 'a', email: 'alice@example.com', name: 'Alice Ames' },
        { id: 'b', email: 'bob@example.com', name: 'Bob Brown' },
        { id: 'c', email: 'carol@example.com', name: 'Carol Chen' },
        { id: 'w', email: 'walt@example.com', name: 'Walt West' },
      ],
      teams: [
        { id: 'east', name: 'East', members: ['a', 'b'] },
        { id: 'west', name: 'West', members: ['c', 'w'] },
      ],
      deals: [
        { id: 'd1', owner: 'a', stage: 'w', amount: 120_000, closeDate: '2026-02-10' },
        { id: 'd2', owner: 'b', stage: 'w', amount: 80_000, closeDate: '2026-03-05' },
        { id: 'd3', owner: 'a', stage: 'w', amount: 50_000, closeDate: '2026-03-10' },
        { id: 'd4', owner: 'c', stage: 'w', amount: 40_000, closeDate: '2026-01-20' },
        { id: 'd5', owner: 'w', stage: 'w', amount: 30_000, closeDate: '2026-02-02' },
        // Lost and out-of-period deals credit nothing.
        { id: 'd6', owner: 'a', stage: 'l', amount: 99_000, closeDate: '2026-02-11' },
        { id: 'd7', owner: 'b', stage: 'w', amount: 99_000, closeDate: '2026-04-01' },
      ],
      splits: [
        { deal: 'd3', owner: 'a', percent: 60 },
        { deal: 'd3', owner: 'b', percent: 40 },
      ],
      quotas: [
        ...q('a', [30_000, 30_000, 40_000]),
        ...q('b', [30_000, 30_000, 40_000]),
        ...q('c', [15_000, 15_000, 20_000]),
        ...q('w', [30_000, 30_000, 40_000]),
      ],
    });
    const yaml = await readFile(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url), 'utf8');
    const parsed = parsePlanFile(yaml);
    if (!parsed.ok) throw new Error('the example plan must parse');
    await addPlanVersion(db, { name: parsed.plan.name, hash: parsed.plan.hash, yaml, parsed: '{}' });
    await upsertAssignments(
      db,
      ['a', 'b', 'c'].map((owner) => ({
        connection_id: c,
        owner_id: owner,
        plan_name: 'AE 2027',
        start_date: '2026-01-01',
        end_date: '2026-12-31',
        target_incentive: null,
        draw: null,
      })),
    );
  });
  afterAll(() => t.drop());

  it('pays each rep the 75/25 plan on credited ÷ quota and the team Σ/Σ of the snapshot', async () => {
    const first = await computeCompStatements(db, connection, { asOf: at('2026-02-01'), replay: false });
    // Four memberships opened by the first snapshot; three statements.
    expect(first).toEqual({ compStatements: 3, compRestatementLines: 0, teamMembershipChanges: 4 });
    // East = (150,000 + 100,000) ÷ 200,000 = 1.25 → team 20,000 × 0.25 × 1.25 = 6,250.
    // West = (40,000 + 30,000) ÷ 150,000 = 7/15 → 20,000 × 0.25 × 7/15 = 2,333.333… → 2,333.33.
    // alice 1.5 → multiplier 2.0 → 20,000 × 0.75 × 2 = 30,000; bob 1.0 → 15,000;
    // carol 0.8 → 0.8 → 12,000.
    expect(await totals()).toEqual({
      a: [30_000, 6_250, 36_250],
      b: [15_000, 6_250, 21_250],
      c: [12_000, 2_333.33, 14_333.33],
    });
    // The same data again changes nothing (same inputs hash).
    expect(await computeCompStatements(db, connection, { asOf: at('2026-02-01'), replay: false })).toEqual({
      compStatements: 0,
      compRestatementLines: 0,
      teamMembershipChanges: 0,
    });
  });

  it('uses the primary team on the last day of the assignment in the period when a rep moves', async () => {
    await replaceMemberships(
      db,
      connection.id,
      ['c'],
      [{ connection_id: connection.id, owner_id: 'c', team_id: 'east', is_primary: true }],
    );
    const second = await computeCompStatements(db, connection, { asOf: at('2026-02-16'), replay: false });
    // carol's West membership closed, East opened; every statement's team measure changed.
    expect(second).toEqual({ compStatements: 3, compRestatementLines: 0, teamMembershipChanges: 2 });
    // On Mar 31 East = alice, bob, carol: (150,000 + 100,000 + 40,000) ÷ (100k + 100k + 50k)
    // = 290/250 = 1.16 → 20,000 × 0.25 × 1.16 = 5,800 for each of the three.
    expect(await totals()).toEqual({
      a: [30_000, 5_800, 35_800],
      b: [15_000, 5_800, 20_800],
      c: [12_000, 5_800, 17_800],
    });
  });

  it('never rewrites a closed period; a reopened won deal is restated in the next period', async () => {
    expect(await closePeriod(db, connection.id, '2026-Q1', false)).toMatchObject({ closed: true });
    const before = await statementsIn(db, connection.id, '2026-Q1');
    // The stored text itself, byte for byte (jsonb equality alone would allow a reordered rewrite).
    const bytes = async () =>
      (
        await sql<{ text: string }>`
          select string_agg(owner_id || ':' || document::text || ':' || inputs::text || ':' || total::text
            || ':' || inputs_hash, E'\n' order by owner_id) as text
          from comp_statements where connection_id = ${connection.id} and period_key = '2026-Q1'`.execute(db)
      ).rows[0]?.text;
    const closedBytes = await bytes();
    // alice's Q1 as closed: 30,000 + 5,800 = 35,800 (the test above).
    expect(closedBytes).toContain('"total": 35800');
    // d1 (alice's 120,000 won on Feb 10) is reopened in the CRM.
    await db.updateTable('deals').set({ stage_id: 'p' }).where('external_id', '=', 'd1').execute();
    // Still in Q1: there is no open statement to post into yet, and Q1 stays as closed.
    expect(await computeCompStatements(db, connection, { asOf: at('2026-03-20'), replay: false })).toEqual({
      compStatements: 0,
      compRestatementLines: 0,
      teamMembershipChanges: 0,
    });
    // In Q2: alice's Q1 without d1 credits 30,000 → 0.3, below the 0.5 threshold → 0; East
    // = (290,000 − 120,000) ÷ 250,000 = 0.68 → team 20,000 × 0.25 × 0.68 = 3,400. Her line is
    // (0 + 3,400) − (30,000 + 5,800) = −32,400; bob and carol lose the team part only:
    // 3,400 − 5,800 = −2,400 each. Q2 has no quota and no other credit for them (d7 is bob's
    // 99,000 on Apr 1, but without a quota attainment is null and pays 0), so the totals are the lines.
    const q2 = await computeCompStatements(db, connection, { asOf: at('2026-04-15'), replay: false });
    expect(q2).toEqual({ compStatements: 3, compRestatementLines: 3, teamMembershipChanges: 0 });
    const rows = await statementsIn(db, connection.id, '2026-Q2');
    const docs = rows.map(
      (r) =>
        r.document as {
          total: number;
          adjustments: { kind: string; dealId: string; period: string; amount: number }[];
        },
    );
    expect(
      rows.map((r, i) => [
        r.owner_id,
        docs[i]?.total,
        docs[i]?.adjustments.map((a) => [a.kind, a.dealId, a.period, a.amount]),
      ]),
    ).toEqual([
      ['a', -32_400, [['restatement', 'd1', '2026-Q1', -32_400]]],
      ['b', -2_400, [['restatement', 'd1', '2026-Q1', -2_400]]],
      ['c', -2_400, [['restatement', 'd1', '2026-Q1', -2_400]]],
    ]);
    // The closed statements are byte-identical, and a re-run posts nothing more.
    expect(await statementsIn(db, connection.id, '2026-Q1')).toEqual(before);
    expect(await bytes()).toBe(closedBytes);
    expect(await computeCompStatements(db, connection, { asOf: at('2026-04-16'), replay: false })).toEqual({
      compStatements: 0,
      compRestatementLines: 0,
      teamMembershipChanges: 0,
    });
  });

  it('claws back a won deal lost within the lookback, for the owner and teammates; outside it the sale stands', async () => {
    // d4 (carol's 40,000, closed Jan 20) is lost, seen Apr 20: 90 days after its close date, the
    // last day of the 90-day lookback. Applied after d1 (same day, by deal id): East
    // (170,000 − 40,000) ÷ 250,000 = 0.52 → team 2,600 (from 3,400): alice and bob −800 each;
    // carol also loses her 0.8 → 12,000: (0 + 2,600) − (12,000 + 3,400) = −12,800.
    await db.updateTable('deals').set({ stage_id: 'l' }).where('external_id', '=', 'd4').execute();
    const run = await computeCompStatements(db, connection, { asOf: at('2026-04-20'), replay: false });
    expect(run).toEqual({ compStatements: 3, compRestatementLines: 3, teamMembershipChanges: 0 });
    const q2 = async () =>
      (await statementsIn(db, connection.id, '2026-Q2')).map((r) => {
        const doc = r.document as {
          total: number;
          adjustments: { kind: string; dealId: string; amount: number }[];
        };
        return [r.owner_id, doc.total, doc.adjustments.map((a) => [a.kind, a.dealId, a.amount])];
      });
    const expected = [
      [
        'a',
        -33_200,
        [
          ['restatement', 'd1', -32_400],
          ['clawback', 'd4', -800],
        ],
      ],
      [
        'b',
        -3_200,
        [
          ['restatement', 'd1', -2_400],
          ['clawback', 'd4', -800],
        ],
      ],
      [
        'c',
        -15_200,
        [
          ['restatement', 'd1', -2_400],
          ['clawback', 'd4', -12_800],
        ],
      ],
    ];
    expect(await q2()).toEqual(expected);
    // d2 (bob's 80,000, closed Mar 5) lost, seen Jun 10: 97 days > 90, so the sale stands and
    // nothing new is posted (d4 is by then outside the lookback too; its clawback stays posted).
    await db.updateTable('deals').set({ stage_id: 'l' }).where('external_id', '=', 'd2').execute();
    const late = await computeCompStatements(db, connection, { asOf: at('2026-06-10'), replay: false });
    expect(late).toEqual({ compStatements: 0, compRestatementLines: 0, teamMembershipChanges: 0 });
    expect(await q2()).toEqual(expected);
  });
});
