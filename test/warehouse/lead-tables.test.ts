import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lead, LeadOwnerChange, Page } from '../../connectors/connector.js';
import { leadsNeedingHistory, saveLeadPage } from '../../src/pull/save-leads.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The lead page write (issue 17, step 3): leads and their assignment facts in one statement,
 * with the audit trail's rules as before: CRM history where the CRM keeps it, else the owner
 * change this sync observed; a re-read adds nothing.
 */
const T = (hours: number) => new Date(Date.UTC(2026, 1, 2, 9) + hours * 3_600_000).toISOString();
const page = (records: Lead[]): Page<Lead> => ({
  records,
  rejected: [],
  deletedIds: [],
  checkpoint: { index: records.length },
});

function lead(i: number, extra: Partial<Lead> = {}): Lead {
  return {
    externalId: `l${i}`,
    email: i % 2 === 0 ? `Lead${i}@example.com` : null,
    ownerId: `o${i}`,
    assignedAt: T(i),
    score: i % 3 === 0 ? null : i * 1.5,
    rating: i % 2 === 0 ? 'Hot' : null,
    source: 'web, "paid" {search}',
    status: 'new',
    createdAt: T(0),
    lastModifiedAt: T(i),
    ...extra,
  };
}

describe('the lead page write', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('lead_tables');
  });
  afterAll(async () => {
    await t.drop();
  });

  const assignments = async (connectionId: number) =>
    (
      await t.db
        .selectFrom('lead_assignments')
        .select(['lead_id', 'owner_id', 'assigned_at', 'source'])
        .where('connection_id', '=', connectionId)
        .execute()
    )
      .map((a) => `${a.lead_id}|${a.owner_id}|${a.assigned_at.toISOString()}|${a.source}`)
      .sort();

  it('records first assignments, CRM history, observed changes, and nothing on a re-read', async () => {
    const connection = await insertConnection(t.db);
    const target = { connectionId: connection.id, runId: null, timeZone: 'UTC' };
    const unowned = lead(2, { ownerId: null, assignedAt: null });
    const first = page([lead(1), unowned, lead(3)]);
    // l3's owners as the CRM's field history has them: o9 first, then o3.
    const history: LeadOwnerChange[] = [
      { leadId: 'l3', ownerId: 'o9', changedAt: T(-5) },
      { leadId: 'l3', ownerId: 'o3', changedAt: T(3) },
    ];
    expect(await leadsNeedingHistory(t.db, connection.id, first.records)).toEqual(['l1', 'l2', 'l3']);
    expect(await saveLeadPage(t.db, target, first, history)).toMatchObject({ read: 3, changed: 3 });
    const afterFirst = [
      `l1|o1|${T(1)}|crm_history`, // its assignment time is the CRM's own
      `l3|o3|${T(3)}|crm_history`,
      `l3|o9|${T(-5)}|crm_history`,
    ];
    expect(await assignments(connection.id)).toEqual(afterFirst);
    const stored = await t.db
      .selectFrom('leads')
      .select(['external_id', 'email', 'owner_id', 'score', 'rating', 'source'])
      .where('connection_id', '=', connection.id)
      .where('external_id', '=', 'l1')
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({
      external_id: 'l1',
      email: null,
      owner_id: 'o1',
      score: '1.5',
      rating: null,
      source: 'web, "paid" {search}',
    });

    expect(await leadsNeedingHistory(t.db, connection.id, first.records)).toEqual([]);
    expect(await saveLeadPage(t.db, target, first, [])).toMatchObject({ changed: 0, changedIds: [] });
    expect(await assignments(connection.id)).toEqual(afterFirst);

    // l1 moves to o4 without a CRM assignment time: this sync observed it, at the lead's edit.
    const moved = lead(1, { ownerId: 'o4', assignedAt: null, lastModifiedAt: T(10) });
    expect(await leadsNeedingHistory(t.db, connection.id, [moved])).toEqual(['l1']);
    expect(await saveLeadPage(t.db, target, page([moved]), [])).toMatchObject({ changed: 1 });
    expect(await assignments(connection.id)).toEqual([...afterFirst, `l1|o4|${T(10)}|observed`].sort());
  });
});
