import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDeps } from '../../../connectors/connector.js';
import { createHubspotConnector, type HubspotConnector } from '../../../connectors/hubspot/index.js';
import {
  type HubspotSandbox,
  type RequestRecord,
  type SandboxRecord,
  startHubspotSandbox,
} from '../../../sandboxes/hubspot/index.js';
import { computeAttainmentMetrics } from '../../../src/metrics/attainment-metrics.js';
import { pullConnection } from '../../../src/pull/pull-connection.js';
import { closedDealsSql, wonCreditsSql } from '../../../src/warehouse/deal-credits.js';
import { insertConnection } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-db.js';

/**
 * Requests of a HubSpot pull, counted from the sandbox's request log, and the warehouse it
 * leaves compared with the old way (every deal's history read). 2,001 live deals (seed 23's
 * first 2,020 deals less the 19 it starts archived, counted with `dealBaseArchived`): just past
 * 20 list pages, so the last page holds one deal. Every expected count comes from the sandbox's
 * own generated history (`SandboxRecord.history`), never from the connector.
 */
const LIVE_DEALS = 2_001;
const DEALS = 2_020;
const CONTACTS = 150;
const PAGE = 100;
/** HubSpot's batch read with history takes 50 ids; the pull stage holds at most 25 pages. */
const HISTORY_BATCH = 50;
const MAX_HELD_PAGES = 25;
const NOW = new Date('2026-06-15T12:00:00.000Z');

function connectorFor(sandbox: HubspotSandbox, dealHistory: 'computed' | 'read'): HubspotConnector {
  const deps: ConnectorDeps = {
    fetch: globalThis.fetch,
    clock: { now: () => new Date(), sleep: async () => {} },
    budget: { acquire: async () => {}, observe: async () => {} },
    tokens: {
      load: async () => ({ method: 'private_app', accessToken: sandbox.accessToken }),
      save: async () => {},
    },
  };
  return createHubspotConnector({ baseUrl: sandbox.baseUrl, deps, dealHistory });
}

const query = (r: RequestRecord) => new URLSearchParams(r.query);
const isDealList = (r: RequestRecord) =>
  r.method === 'GET' && r.path === '/crm/v3/objects/deals' && query(r).get('archived') !== 'true';
/** The full id listing of the delete check asks for nothing but the id. */
const isIdListing = (r: RequestRecord) =>
  r.method === 'GET' &&
  /^\/crm\/v3\/objects\/(deals|contacts)$/.test(r.path) &&
  query(r).get('archived') !== 'true' &&
  query(r).get('properties') === 'hs_object_id';
const isDealHistoryRead = (r: RequestRecord) =>
  r.path === '/crm/v3/objects/deals/batch/read' && r.withHistory;

/** Why a deal's history must be read, from the generated history itself. */
function needOf(deal: SandboxRecord, closedStages: ReadonlySet<string>): 'stage' | 'owner' | null {
  const stages = deal.history['dealstage'] ?? [];
  if (new Set(stages.map((e) => e.value)).size < stages.length) return 'stage';
  const current = deal.properties['dealstage'] ?? '';
  const owners = deal.history['hubspot_owner_id'] ?? [];
  const assigned = owners.at(-1)?.timestamp ?? 0;
  const closedAt = closedStages.has(current) ? (stages.at(-1)?.timestamp ?? 0) : null;
  return closedAt !== null && assigned > deal.createdAt && assigned > closedAt ? 'owner' : null;
}

/**
 * Reads the pull stage makes for pages with these counts of ids to read: held pages are read
 * together while they fit one batch of 50 and number at most 25; a page with none waiting goes
 * straight through.
 */
function expectedReads(needPerPage: readonly number[]): number {
  let reads = 0;
  let held = 0;
  let waiting = 0;
  const flush = () => {
    reads += Math.ceil(waiting / HISTORY_BATCH);
    held = 0;
    waiting = 0;
  };
  for (const need of needPerPage) {
    if (held > 0 && (waiting + need > HISTORY_BATCH || held >= MAX_HELD_PAGES)) flush();
    held++;
    waiting += need;
    if (waiting === 0) flush();
  }
  if (held > 0) flush();
  return reads;
}

function pagesOf<T>(items: readonly T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < items.length; i += size) pages.push(items.slice(i, i + size));
  return pages;
}

describe('HubSpot pull: requests the data needs', () => {
  let sandbox: HubspotSandbox;
  let database: TestDatabase;
  let closedStages: Set<string>;
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 23, deals: DEALS, contacts: CONTACTS, now: NOW });
    database = await createTestDatabase('hs_requests');
    closedStages = new Set(
      sandbox.data.pipelines.flatMap((p) => p.stages.filter((s) => s.isClosed).map((s) => s.id)),
    );
  }, 60_000);
  afterAll(async () => {
    await sandbox.close();
    await database.drop();
  });

  it('a first sync lists deals once, 100 a page, reads only the histories the pages cannot answer, and no ids to reconcile', async () => {
    const live = [...sandbox.data.deals()];
    expect(live).toHaveLength(LIVE_DEALS);
    const needs = live.map((d) => needOf(d, closedStages));
    const stageNeeds = needs.filter((n) => n === 'stage').length;
    const ownerNeeds = needs.filter((n) => n === 'owner').length;
    // The generator re-enters a stage on ~3% of deals and hands ~3% of closed ones over after
    // they closed: both paths are exercised.
    expect(stageNeeds).toBeGreaterThan(10);
    expect(ownerNeeds).toBeGreaterThan(10);
    const needPerPage = pagesOf(needs, PAGE).map((page) => page.filter((n) => n !== null).length);

    const connection = await insertConnection(database.db, { name: 'computed' });
    const connector = connectorFor(sandbox, 'computed');
    sandbox.resetRequests();
    const counts = await pullConnection(database.db, connector, connection.id, { full: false, runId: null });
    expect(counts.deals).toBe(live.length);
    const log = [...sandbox.requests];
    expect(log.filter(isDealList)).toHaveLength(Math.ceil(live.length / PAGE));
    expect(log.filter(isIdListing)).toHaveLength(0);
    expect(log.filter(isDealHistoryRead)).toHaveLength(expectedReads(needPerPage));
    expect(connector.historyAnswers()).toEqual({
      answered: live.length - stageNeeds - ownerNeeds,
      stageRead: stageNeeds,
      ownerRead: ownerNeeds,
    });
    // The target: list requests within 1.1 × ⌈deals ÷ 100⌉ once the owner reads are set aside.
    const ownerReadsAtMost = Math.ceil(ownerNeeds / HISTORY_BATCH) + 1;
    expect(
      log.filter(isDealList).length + log.filter(isDealHistoryRead).length - ownerReadsAtMost,
    ).toBeLessThanOrEqual(1.1 * Math.ceil(live.length / PAGE));
    expect(log.every((r) => r.status === 200)).toBe(true);
  }, 120_000);

  it('leaves the warehouse as reading every history would: stage history, closing owners, credits', async () => {
    const computed = await insertConnection(database.db, { name: 'computed-2' });
    const read = await insertConnection(database.db, { name: 'read-all' });
    await pullConnection(database.db, connectorFor(sandbox, 'computed'), computed.id, {
      full: false,
      runId: null,
    });
    sandbox.resetRequests();
    await pullConnection(database.db, connectorFor(sandbox, 'read'), read.id, { full: false, runId: null });
    // The old way: two reads of 50 per full page, one for the last page's single deal.
    expect(sandbox.requests.filter(isDealHistoryRead)).toHaveLength(2 * 20 + 1);

    const history = async (connectionId: number, field: 'stage' | 'owner') =>
      (
        await database.db
          .selectFrom('deal_history')
          .select(['deal_id', 'value', 'changed_at'])
          .where('connection_id', '=', connectionId)
          .where('field', '=', field)
          .orderBy('deal_id')
          .orderBy('changed_at')
          .execute()
      ).map((r) => `${r.deal_id} ${r.value} ${r.changed_at.toISOString()}`);
    expect(await history(computed.id, 'stage')).toEqual(await history(read.id, 'stage'));
    // Owners: the computed way keeps the latest assignment only; every one of its rows is a row
    // of the full history, and deals never reassigned have the same single row.
    const ownersComputed = await history(computed.id, 'owner');
    const ownersRead = new Set(await history(read.id, 'owner'));
    expect(ownersComputed.filter((row) => !ownersRead.has(row))).toEqual([]);
    expect(ownersComputed.length).toBeGreaterThan(0.85 * LIVE_DEALS);

    const closing = async (connectionId: number) =>
      (
        await sql<{ deal_id: string; owner_id: string | null }>`
          select deal_id, owner_id from (${closedDealsSql({ connectionId, from: '2000-01-01', to: '2100-01-01', wonOnly: false })}) c
          order by deal_id`.execute(database.db)
      ).rows;
    const closingComputed = await closing(computed.id);
    expect(closingComputed.length).toBeGreaterThan(LIVE_DEALS / 3);
    expect(closingComputed).toEqual(await closing(read.id));
    const credits = async (connectionId: number) =>
      (
        await sql<{ deal_id: string; owner_id: string; credit: string }>`
          select deal_id, owner_id, credit::text from (${wonCreditsSql(connectionId, '2000-01-01', '2100-01-01')}) w
          order by deal_id, owner_id`.execute(database.db)
      ).rows;
    expect(await credits(computed.id)).toEqual(await credits(read.id));
    // Attainment, win rates and stage-entered dates as the compute stage writes them, as of the
    // sandbox's today (quarter 2026-Q2, goals pulled from the portal).
    const attainment = async (connection: typeof computed) => {
      await computeAttainmentMetrics(database.db, connection, { asOf: NOW, runId: null });
      return (
        await database.db
          .selectFrom('metric_values')
          .select(['object', 'record_id', 'metric', 'period_key', 'value_numeric', 'value_text'])
          .where('connection_id', '=', connection.id)
          .orderBy(['object', 'record_id', 'metric', 'period_key'])
          .execute()
      ).map(
        (r) => `${r.object} ${r.record_id} ${r.metric} ${r.period_key} ${r.value_numeric} ${r.value_text}`,
      );
    };
    const attainmentComputed = await attainment(computed);
    expect(
      attainmentComputed.filter((row) => row.includes('salesops_quota_attainment')).length,
    ).toBeGreaterThan(5);
    expect(attainmentComputed).toEqual(await attainment(read));
    // A deal handed over after it closed credits the rep who closed it, not the current owner.
    const handedOver = [...sandbox.data.deals()].find((d) => needOf(d, closedStages) === 'owner')!;
    const closer = (handedOver.history['hubspot_owner_id'] ?? []).at(-2)?.value;
    expect(closingComputed.find((c) => c.deal_id === handedOver.id)?.owner_id).toBe(closer);
    expect(handedOver.properties['hubspot_owner_id']).not.toBe(closer);
  }, 180_000);

  it('an incremental sync of k changed deals costs ⌈k ÷ 200⌉ searches and the reads they need; a hard delete is found by the periodic check', async () => {
    const connection = await insertConnection(database.db, { name: 'incremental' });
    const connector = () => connectorFor(sandbox, 'computed');
    await pullConnection(database.db, connector(), connection.id, { full: false, runId: null });

    // 250 edits (every 10th also moves an open deal one stage on), one archive, one hard delete.
    const live = [...sandbox.data.deals()];
    const edited = live.filter((_, k) => k % 7 === 3).slice(0, 250);
    expect(edited).toHaveLength(250);
    const open = new Map(
      sandbox.data.pipelines.map((p) => [p.id, p.stages.filter((s) => !s.isClosed).map((s) => s.id)]),
    );
    edited.forEach((deal, k) => {
      const stages = open.get(deal.properties['pipeline'] ?? '') ?? [];
      const at = stages.indexOf(deal.properties['dealstage'] ?? '');
      const next = k % 10 === 0 && at >= 0 && at + 1 < stages.length ? stages[at + 1] : undefined;
      sandbox.editDeal(deal.id, { amount: String(500 + k), ...(next && { dealstage: next }) });
    });
    const archived = live[5]!.id;
    const purged = live[6]!.id;
    sandbox.archiveDeal(archived);
    sandbox.deleteDeal(purged);
    const archivedCount = [...sandbox.data.deals({ archived: true })].length;

    sandbox.resetRequests();
    const counts = await pullConnection(database.db, connector(), connection.id, {
      full: false,
      runId: null,
    });
    const log = [...sandbox.requests];
    const dealSearches = log.filter((r) => r.path === '/crm/v3/objects/deals/search');
    expect(dealSearches).toHaveLength(Math.ceil(250 / 200));
    const archivedPages = log.filter(
      (r) => r.path === '/crm/v3/objects/deals' && query(r).get('archived') === 'true',
    );
    expect(archivedPages).toHaveLength(Math.ceil(archivedCount / PAGE));
    const changed = edited.map((d) => sandbox.data.get('deals', d.id)!);
    const needPerPage = pagesOf(changed, 200).map(
      (page) => page.filter((d) => needOf(d, closedStages) !== null).length,
    );
    expect(log.filter(isDealHistoryRead)).toHaveLength(expectedReads(needPerPage));
    expect(log.filter(isIdListing)).toHaveLength(0);
    expect(counts.deals).toBe(250);
    expect(counts.deleted).toBe(1);
    // The moved deals' stage history is the portal's, the new entry included.
    const moved = changed.filter((_, k) => k % 10 === 0);
    for (const deal of moved) {
      const rows = await database.db
        .selectFrom('deal_history')
        .select(['value', 'changed_at'])
        .where('connection_id', '=', connection.id)
        .where('deal_id', '=', deal.id)
        .where('field', '=', 'stage')
        .orderBy('changed_at')
        .execute();
      expect(rows.map((r) => [r.value, r.changed_at.getTime()])).toEqual(
        (deal.history['dealstage'] ?? []).map((e) => [e.value, e.timestamp]),
      );
    }

    // The hard delete is in no listing but the full one, which runs once a period (here: now).
    const isDeleted = async (id: string) =>
      (
        await database.db
          .selectFrom('deals')
          .select('is_deleted')
          .where('connection_id', '=', connection.id)
          .where('external_id', '=', id)
          .executeTakeFirstOrThrow()
      ).is_deleted;
    expect(await isDeleted(archived)).toBe(true);
    expect(await isDeleted(purged)).toBe(false);
    sandbox.resetRequests();
    const checked = await pullConnection(database.db, connector(), connection.id, {
      full: false,
      runId: null,
      reconcileEveryMs: 0,
    });
    expect(checked.deleted).toBe(1);
    expect(await isDeleted(purged)).toBe(true);
    const liveNow = [...sandbox.data.deals()].length;
    expect(sandbox.requests.filter((r) => isIdListing(r) && r.path.endsWith('/deals'))).toHaveLength(
      Math.ceil(liveNow / PAGE),
    );
  }, 180_000);
});
