import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db.js';
import {
  approveStatements,
  closePeriod,
  openDispute,
  type StatementInsert,
  saveStatements,
  statementsIn,
} from '../../src/warehouse/comp-statements.js';
import {
  addManualAdjustments,
  addPlanVersion,
  adjustmentsIn,
  assignmentsOverlapping,
  latestPlanVersions,
  postCorrections,
  upsertAssignments,
} from '../../src/warehouse/comp-tables.js';
import { replaceMemberships } from '../../src/warehouse/owner-tables.js';
import { primaryTeamsOn, snapshotTeamMemberships } from '../../src/warehouse/team-memberships.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The comp tables (issue 19, step 1): each write is idempotent, a closed statement never
 * changes, and the team snapshot answers "the rep's team on a day" (DESIGN §12).
 */
describe('the comp tables', () => {
  let t: TestDatabase;
  let db: Db;
  let connectionId: number;
  beforeAll(async () => {
    t = await createTestDatabase('comp_tables');
    db = t.db;
    connectionId = (await insertConnection(db)).id;
  });
  afterAll(() => t.drop());

  it('keeps plan versions by hash and returns the latest added before a moment', async () => {
    const v1 = { name: 'AE', hash: 'h1', yaml: 'a', parsed: '{}' };
    expect(await addPlanVersion(db, v1)).toBe(true);
    expect(await addPlanVersion(db, v1)).toBe(false);
    const between = new Date();
    // A second version dated a second after `between` (the first was added before it).
    await db
      .insertInto('comp_plans')
      .values({
        name: 'AE',
        hash: 'h2',
        yaml: 'b',
        parsed: '{}',
        added_at: new Date(between.getTime() + 1000),
      })
      .execute();
    expect((await latestPlanVersions(db, ['AE'])).get('AE')?.hash).toBe('h2');
    expect((await latestPlanVersions(db, ['AE'], between)).get('AE')?.hash).toBe('h1');
  });

  it('replaces an assignment for the same rep and start, and a re-import changes nothing', async () => {
    const row = {
      connection_id: connectionId,
      owner_id: 'o1',
      plan_name: 'AE',
      start_date: '2026-01-01',
      end_date: '2026-12-31',
      target_incentive: null,
      draw: null,
    };
    expect(await upsertAssignments(db, [row])).toBe(1);
    expect(await upsertAssignments(db, [row])).toBe(0);
    expect(await upsertAssignments(db, [{ ...row, target_incentive: '25000' }])).toBe(1);
    const rows = await assignmentsOverlapping(db, connectionId, '2026-04-01', '2026-06-30');
    expect(rows.map((r) => [r.owner_id, r.target_incentive])).toEqual([['o1', '25000']]);
    expect(await assignmentsOverlapping(db, connectionId, '2027-01-01', '2027-03-31')).toEqual([]);
  });

  it('posts a manual line and a restatement once each', async () => {
    const manual = {
      connection_id: connectionId,
      owner_id: 'o1',
      period_key: '2026-Q2',
      amount: '500.00',
      reason: 'SPIF',
      deal_id: null,
      source_period: null,
    };
    expect(await addManualAdjustments(db, [manual, manual])).toBe(1);
    expect(await addManualAdjustments(db, [manual])).toBe(0);
    const restatement = {
      ...manual,
      kind: 'restatement' as const,
      amount: '-1234.50',
      reason: 'deal d1 reopened',
      deal_id: 'd1',
      source_period: '2026-Q1',
    };
    expect(await postCorrections(db, [restatement])).toBe(1);
    expect(await postCorrections(db, [restatement])).toBe(0);
    const lines = await adjustmentsIn(db, connectionId, '2026-Q2');
    expect(lines.map((l) => [l.kind, l.amount, l.deal_id])).toEqual([
      ['manual', '500.00', null],
      ['restatement', '-1234.50', 'd1'],
    ]);
  });

  it('replaces open statements on new inputs, never a closed one; close refuses while disputed', async () => {
    const statement = (hash: string, total: string): StatementInsert => ({
      connection_id: connectionId,
      period_key: '2026-Q1',
      owner_id: 'o1',
      plan_name: 'AE',
      plan_hash: 'h1',
      document: JSON.stringify({ total: Number(total) }),
      inputs: '{}',
      inputs_hash: hash,
      total,
    });
    expect(await saveStatements(db, [statement('i1', '100.00')])).toBe(1);
    expect(await saveStatements(db, [statement('i1', '100.00')])).toBe(0);
    expect(await approveStatements(db, connectionId, '2026-Q1')).toBe(1);
    // New inputs reopen an approved statement: the manager approved other numbers.
    expect(await saveStatements(db, [statement('i2', '120.00')])).toBe(1);
    expect((await statementsIn(db, connectionId, '2026-Q1'))[0]?.status).toBe('open');

    await openDispute(db, {
      connection_id: connectionId,
      period_key: '2026-Q1',
      owner_id: 'o1',
      line_key: 'individual',
      comment: 'deal d1 missing',
    });
    expect(await closePeriod(db, connectionId, '2026-Q1', false)).toEqual({
      closed: false,
      reason: 'open_disputes',
      openDisputes: 1,
    });
    expect(await closePeriod(db, connectionId, '2026-Q1', true)).toEqual({
      closed: true,
      statements: 1,
      forced: true,
    });
    expect(await closePeriod(db, connectionId, '2026-Q1', true)).toEqual({
      closed: false,
      reason: 'already_closed',
    });
    const before = (await statementsIn(db, connectionId, '2026-Q1'))[0];
    expect(await saveStatements(db, [statement('i3', '999.00')])).toBe(0);
    const after = (await statementsIn(db, connectionId, '2026-Q1'))[0];
    expect(after).toEqual(before);
    expect(after?.total).toBe('120.00');
    expect(after?.status).toBe('closed');
  });

  it('snapshots team membership per sync day and answers the team on a day', async () => {
    const member = (ownerId: string, teamId: string) => ({
      connection_id: connectionId,
      owner_id: ownerId,
      team_id: teamId,
      is_primary: true,
    });
    await replaceMemberships(db, connectionId, ['a', 'b'], [member('a', 'east'), member('b', 'east')]);
    expect(await snapshotTeamMemberships(db, connectionId, '2026-02-01')).toBe(2);
    expect(await snapshotTeamMemberships(db, connectionId, '2026-02-02')).toBe(0);
    // a moves to west on Feb 16: one membership closed, one opened.
    await replaceMemberships(db, connectionId, ['a'], [member('a', 'west')]);
    expect(await snapshotTeamMemberships(db, connectionId, '2026-02-16')).toBe(2);
    const on = async (day: string) =>
      Object.fromEntries(await primaryTeamsOn(db, connectionId, day, ['a', 'b', 'nobody']));
    // Before the first snapshot, the first one applies (DESIGN §12).
    expect(await on('2026-01-15')).toEqual({ a: 'east', b: 'east' });
    expect(await on('2026-02-15')).toEqual({ a: 'east', b: 'east' });
    expect(await on('2026-02-16')).toEqual({ a: 'west', b: 'east' });
    expect(await on('2026-03-31')).toEqual({ a: 'west', b: 'east' });
    // b leaves every team: from that day b has none.
    await replaceMemberships(db, connectionId, ['b'], []);
    expect(await snapshotTeamMemberships(db, connectionId, '2026-03-02')).toBe(1);
    expect(await on('2026-03-01')).toEqual({ a: 'west', b: 'east' });
    expect(await on('2026-03-02')).toEqual({ a: 'west' });
  });
});
