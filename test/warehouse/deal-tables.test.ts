import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deal, DealChange, Page } from '../../connectors/connector.js';
import { saveDealPage, staleDealIds } from '../../src/pull/save-deals.js';
import { getRun, requestRun } from '../../src/warehouse/sync-runs.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The deal page write (issue 17, step 3): a page and its history in one statement, whatever its
 * size, with the semantics the pull had before (only really changed rows count as changed,
 * merges fold, deletes are soft, bad records are quarantined).
 */
const ZONE = 'America/New_York';
const BASE = Date.UTC(2026, 0, 5, 9);
const iso = (ms: number) => new Date(ms).toISOString();
const page = (records: unknown[], extra: Partial<Page<Deal>> = {}): Page<Deal> => ({
  records: records as Deal[],
  rejected: [],
  deletedIds: [],
  checkpoint: { index: records.length },
  ...extra,
});
// Strings a hand-written array literal or CSV line would get wrong: quotes, braces, commas,
// backslashes, a tab, a newline, the word NULL, and non-ASCII.
/** By external id in code-unit order (the database's collation may order them otherwise). */
const byId = (a: { external_id: string }, b: { external_id: string }) =>
  a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0;
const AWKWARD = ['O\'Brien "Big" {deal}, a\\b', 'tab\there\nnewline', 'NULL', 'Zürich — 東京'];

/** Deal i of the big page: every column varies, nulls included, by the rule each line states. */
function bigDeal(i: number): Deal {
  return {
    externalId: `d${i}`,
    name: i % 4 === 0 ? null : (AWKWARD[i % 4] as string),
    pipelineId: i % 9 === 0 ? null : 'default',
    stageId: ['qualify', 'propose', 'commit'][i % 3] as string,
    ownerId: i % 3 === 0 ? null : `o${i % 7}`,
    amount: i % 5 === 0 ? null : `${i}.25`,
    currency: i % 2 === 0 ? null : 'EUR',
    amountHome: i % 3 === 0 ? `${i * 2}.50` : null,
    createdAt: i % 11 === 0 ? null : iso(BASE + i * 60_000),
    // Even: a bare day (midnight in New York, EDT after 8 March 2026: 04:00Z). Odd: an instant
    // that is still the 15th in New York (03:30Z on the 16th is 23:30 EDT on the 15th).
    closeDate: i % 2 === 0 ? '2026-03-15' : '2026-03-16T03:30:00.000Z',
    forecastCategory: i % 3 === 1 ? 'commit' : null,
    probability: i % 4 === 3 ? null : (i % 10) / 10,
    lastModifiedAt: iso(BASE + i * 1000),
    mergedIds: [],
  };
}

/** Six history rows per deal: five stage entries a day apart and one owner change. */
function bigHistory(i: number): DealChange[] {
  return Array.from({ length: 6 }, (_, k) => ({
    dealId: `d${i}`,
    field: k === 5 ? ('owner' as const) : ('stage' as const),
    changedAt: iso(BASE + i * 60_000 + k * 86_400_000),
    value: k === 5 ? `o${i % 7}` : k === 4 && i % 2 === 0 ? null : (AWKWARD[k % 4] as string),
  }));
}

/** The stored row deal i must become, written out from the rules above (not from the code). */
function expectedRow(i: number) {
  const d = bigDeal(i);
  return {
    external_id: d.externalId,
    name: d.name,
    pipeline_id: d.pipelineId,
    stage_id: d.stageId,
    owner_id: d.ownerId,
    amount: d.amount,
    currency: d.currency,
    // No home amount from the CRM: the amount itself when the deal has no currency, else none.
    amount_home: d.amountHome ?? (d.currency === null ? d.amount : null),
    crm_created_at: d.createdAt,
    close_at: i % 2 === 0 ? '2026-03-15T04:00:00.000Z' : '2026-03-16T03:30:00.000Z',
    close_date: '2026-03-15',
    forecast_category: d.forecastCategory,
    probability: d.probability === null ? null : String(d.probability),
    last_modified_at: d.lastModifiedAt,
    is_deleted: false,
    deleted_at: null,
    merged_into: null,
    // No stage of this connection is stored, so none is known to be closed.
    first_closed_at: null,
    // The page carries no account domain (routing's account matching reads it when one is mapped).
    account_domain: null,
  };
}

describe('the deal page write', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('deal_tables');
  });
  afterAll(async () => {
    await t.drop();
  });

  const stored = async (connectionId: number) =>
    (await t.db.selectFrom('deals').selectAll().where('connection_id', '=', connectionId).execute())
      .sort(byId)
      .map(({ connection_id: _c, synced_at: _s, ...row }) => ({
        ...row,
        crm_created_at: row.crm_created_at?.toISOString() ?? null,
        close_at: row.close_at?.toISOString() ?? null,
        last_modified_at: row.last_modified_at.toISOString(),
        deleted_at: row.deleted_at?.toISOString() ?? null,
        first_closed_at: row.first_closed_at?.toISOString() ?? null,
      }));
  const historyOf = async (connectionId: number) =>
    (
      await t.db
        .selectFrom('deal_history')
        .select(['deal_id', 'field', 'changed_at', 'value', 'source'])
        .where('connection_id', '=', connectionId)
        .execute()
    )
      .map((h) => `${h.deal_id}|${h.field}|${h.changed_at.toISOString()}|${h.value}|${h.source}`)
      .sort();

  it('round-trips every column of a 2,001-deal page with 12,006 history rows; a re-read changes nothing', async () => {
    // 2,001 deals × 6 history rows × 6 columns = 72,036 values: past the 65,535 parameters one
    // multi-row VALUES statement can bind, and just past a 2,000-row page.
    const connection = await insertConnection(t.db, { timeZone: ZONE });
    const target = { connectionId: connection.id, runId: null, timeZone: ZONE };
    const ids = Array.from({ length: 2001 }, (_, i) => i);
    const big = page(ids.map(bigDeal));
    const history = ids.flatMap(bigHistory);

    const first = await saveDealPage(t.db, target, big, history);
    expect(first).toMatchObject({ read: 2001, changed: 2001, deleted: 0, quarantined: 0 });
    const rows = await stored(connection.id);
    expect(rows).toEqual(ids.map(expectedRow).sort(byId));
    const expectedHistory = history
      .map((h) => `${h.dealId}|${h.field}|${h.changedAt}|${h.value ?? ''}|crm_history`)
      .sort();
    expect(await historyOf(connection.id)).toEqual(expectedHistory);

    const syncedBefore = await t.db
      .selectFrom('deals')
      .select((eb) => eb.fn.max('synced_at').as('at'))
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    const again = await saveDealPage(t.db, target, big, history);
    expect(again).toMatchObject({ read: 2001, changed: 0, changedIds: [] });
    expect(await stored(connection.id)).toEqual(rows);
    expect((await historyOf(connection.id)).length).toBe(12_006);
    const syncedAfter = await t.db
      .selectFrom('deals')
      .select((eb) => eb.fn.max('synced_at').as('at'))
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(syncedAfter.at).toEqual(syncedBefore.at);
  });

  it('counts only real changes: an older copy is ignored, a newer or different one counts', async () => {
    const connection = await insertConnection(t.db, { timeZone: ZONE });
    const { runId } = await requestRun(t.db, connection.id, {}, 'cli');
    const target = { connectionId: connection.id, runId, timeZone: ZONE };
    const [d1, d2, d3] = [bigDeal(1), bigDeal(2), bigDeal(3)] as [Deal, Deal, Deal];
    expect((await saveDealPage(t.db, target, page([d1, d2, d3]), [])).changed).toBe(3);

    const older = { ...d1, name: 'renamed', lastModifiedAt: iso(BASE - 1000) };
    const touched = { ...d2, lastModifiedAt: iso(BASE + 10_000_000) };
    const sameTimeNewAmount = { ...d3, amount: '99.99' };
    const counts = await saveDealPage(t.db, target, page([older, touched, sameTimeNewAmount]), []);
    expect(counts).toMatchObject({ changed: 2, changedIds: expect.arrayContaining(['d2', 'd3']) });
    const rows = await stored(connection.id);
    expect(rows.map((r) => [r.external_id, r.name, r.amount])).toEqual([
      ['d1', d1.name, d1.amount],
      ['d2', d2.name, d2.amount],
      ['d3', d3.name, '99.99'],
    ]);

    const deleted = page([], { deletedIds: ['d3', 'gone'] });
    expect((await saveDealPage(t.db, target, deleted, [])).deleted).toBe(1);
    expect((await saveDealPage(t.db, target, deleted, [])).deleted).toBe(0);
    // Listed again unchanged, a deleted deal is live again: that is a change.
    expect((await saveDealPage(t.db, target, page([sameTimeNewAmount]), [])).changed).toBe(1);

    // 3 + 2 + 0 + 0 + 1 changed, 1 deleted, over 3 + 3 + 0 + 0 + 1 records read.
    expect((await getRun(t.db, runId))?.counts).toMatchObject({ deals: 7, changed: 6, deleted: 1 });
  });

  it('folds a merged-away deal into its survivor with the history held before the page', async () => {
    const connection = await insertConnection(t.db, { timeZone: ZONE });
    const target = { connectionId: connection.id, runId: null, timeZone: ZONE };
    const gone = bigDeal(1);
    const held: DealChange = { dealId: 'd1', field: 'stage', changedAt: iso(BASE), value: 'qualify' };
    await saveDealPage(t.db, target, page([gone]), [held]);

    const survivor = { ...bigDeal(4), mergedIds: ['d1'] };
    const own: DealChange = { dealId: 'd4', field: 'stage', changedAt: iso(BASE + 5000), value: 'commit' };
    // History of the merged-away id arriving with this page stays its own (it was written after
    // the fold copied what the warehouse held).
    const late: DealChange = { dealId: 'd1', field: 'owner', changedAt: iso(BASE + 6000), value: 'o9' };
    const counts = await saveDealPage(t.db, target, page([survivor]), [own, late]);
    // d4 inserted, d1 folded.
    expect(counts.changed).toBe(2);
    const rows = await stored(connection.id);
    expect(rows.find((r) => r.external_id === 'd1')).toMatchObject({ is_deleted: true, merged_into: 'd4' });
    expect(await historyOf(connection.id)).toEqual(
      [
        `d1|owner|${iso(BASE + 6000)}|o9|crm_history`,
        `d1|stage|${iso(BASE)}|qualify|crm_history`,
        `d4|stage|${iso(BASE)}|qualify|crm_history`,
        `d4|stage|${iso(BASE + 5000)}|commit|crm_history`,
      ].sort(),
    );
    // The same merge again changes nothing.
    expect((await saveDealPage(t.db, target, page([survivor]), [own, late])).changed).toBe(0);
  });

  it('quarantines a malformed record and writes the rest of its page', async () => {
    const connection = await insertConnection(t.db, { timeZone: ZONE });
    const target = { connectionId: connection.id, runId: null, timeZone: ZONE };
    const bad = { ...bigDeal(2), externalId: 'bad', amount: 'twelve dollars' };
    const counts = await saveDealPage(t.db, target, page([bigDeal(1), bad]), []);
    expect(counts).toMatchObject({ read: 1, changed: 1, quarantined: 1 });
    const quarantined = await t.db
      .selectFrom('quarantined_records')
      .select(['external_id', 'reason'])
      .where('connection_id', '=', connection.id)
      .execute();
    expect(quarantined).toEqual([{ external_id: 'bad', reason: 'amount: must be a decimal amount' }]);
  });

  it('names as stale only the deals that are new or newer than the warehouse copy', async () => {
    const connection = await insertConnection(t.db, { timeZone: ZONE });
    const target = { connectionId: connection.id, runId: null, timeZone: ZONE };
    await saveDealPage(t.db, target, page([bigDeal(1), bigDeal(2)]), []);
    const newer = { ...bigDeal(2), lastModifiedAt: iso(BASE + 1_000_000) };
    expect(await staleDealIds(t.db, connection.id, [bigDeal(1), newer, bigDeal(3)])).toEqual(['d2', 'd3']);
  });
});
