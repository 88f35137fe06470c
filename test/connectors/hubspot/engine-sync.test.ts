import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/app/run-sync.js';
import { createHubspotHarness, type HubspotHarness, UNLIMITED } from './harness.js';

/**
 * Full and incremental syncs through the engine (BullMQ worker, Postgres, Redis) against the
 * sandbox, compared field by field with the sandbox's own data. Sized just past the search cap:
 * the bulk edit touches 10,001 deals at one timestamp.
 */
const DEALS = 10_300;
const CONTACTS = 400;

describe('HubSpot connector through the engine', () => {
  let h: HubspotHarness;
  beforeAll(async () => {
    h = await createHubspotHarness('hs_engine', { seed: 11, deals: DEALS, contacts: CONTACTS });
  });
  afterAll(() => h.close());

  const ms = (value: string | null | undefined) => (value ? Date.parse(value) : null);
  const num = (value: string | number | null | undefined) =>
    value === null || value === undefined ? null : Number(value);

  async function expectWarehouseEqualsSandbox(connectionId: number): Promise<void> {
    const db = h.database.db;
    const rows = await db.selectFrom('deals').selectAll().where('connection_id', '=', connectionId).execute();
    const live = new Map(rows.filter((r) => !r.is_deleted).map((r) => [r.external_id, r]));
    const sandboxDeals = [...h.sandbox.data.deals()];
    expect(live.size).toBe(sandboxDeals.length);
    for (const deal of sandboxDeals) {
      const row = live.get(deal.id);
      const p = deal.properties;
      expect(row, `deal ${deal.id}`).toBeDefined();
      expect({
        name: row?.name,
        pipeline: row?.pipeline_id,
        stage: row?.stage_id,
        owner: row?.owner_id,
        amount: num(row?.amount),
        currency: row?.currency,
        home: num(row?.amount_home),
        close: row?.close_at?.getTime() ?? null,
        modified: row?.last_modified_at.getTime(),
      }).toEqual({
        name: p['dealname'],
        pipeline: p['pipeline'],
        stage: p['dealstage'],
        owner: p['hubspot_owner_id'],
        amount: num(p['amount']),
        currency: p['deal_currency_code'],
        home: num(p['amount_in_home_currency']),
        close: ms(p['closedate']),
        modified: ms(p['hs_lastmodifieddate']),
      });
    }
    const leads = await db
      .selectFrom('leads')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute();
    const liveLeads = new Map(leads.filter((l) => !l.is_deleted).map((l) => [l.external_id, l]));
    const contacts = [...h.sandbox.data.contacts()];
    expect(liveLeads.size).toBe(contacts.length);
    for (const contact of contacts) {
      const row = liveLeads.get(contact.id);
      const p = contact.properties;
      expect({
        owner: row?.owner_id,
        assigned: row?.assigned_at?.getTime() ?? null,
        score: num(row?.score),
        source: row?.source,
        email: row?.email,
      }).toEqual({
        owner: p['hubspot_owner_id'],
        assigned: ms(p['hubspot_owner_assigneddate']),
        score: num(p['hubspotscore']),
        source: p['hs_analytics_source'],
        email: p['email'],
      });
    }
  }

  it('a full sync lands exactly the portal: deals, leads, owners (active and archived), stages, history, goals', async () => {
    const connection = await h.addConnection('full');
    const summary = await runSync(h.customEnv(UNLIMITED), connection, { push: false });
    expect(summary.error).toBeNull();
    expect(summary.status).toBe('succeeded');
    const liveDeals = [...h.sandbox.data.deals()].length;
    expect(summary.pulled).toMatchObject({
      owners: h.sandbox.data.owners.length,
      pipelines: h.sandbox.data.pipelines.length,
      deals: liveDeals,
      leads: [...h.sandbox.data.contacts()].length,
      deleted: 0,
    });
    expect(summary.quarantined).toBe(0);
    await expectWarehouseEqualsSandbox(connection.id);

    const db = h.database.db;
    const owners = await db
      .selectFrom('owners')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    for (const owner of h.sandbox.data.owners) {
      const row = owners.find((o) => o.external_id === owner.id);
      expect(row?.active).toBe(owner.archivedAt === null);
      expect(row?.user_id).toBe(String(owner.userId));
    }
    const memberships = await db
      .selectFrom('owner_teams')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    expect(memberships).toHaveLength(h.sandbox.data.owners.reduce((n, o) => n + o.teams.length, 0));
    const stages = await db
      .selectFrom('stages')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    const sandboxStages = h.sandbox.data.pipelines.flatMap((p) => p.stages);
    expect(stages).toHaveLength(sandboxStages.length);
    for (const stage of sandboxStages) {
      const row = stages.find((s) => s.external_id === stage.id);
      expect(num(row?.probability)).toBe(stage.probability);
      expect(row?.is_closed).toBe(stage.isClosed);
      expect(row?.is_won).toBe(stage.isClosed && stage.probability === 1);
    }
    // Stage history of one deal, as HubSpot keeps it, oldest first.
    const sample = [...h.sandbox.data.deals()][42]!;
    const history = await db
      .selectFrom('deal_history')
      .select(['value', 'changed_at'])
      .where('connection_id', '=', connection.id)
      .where('deal_id', '=', sample.id)
      .where('field', '=', 'stage')
      .orderBy('changed_at')
      .execute();
    expect(history.map((r) => r.value)).toEqual((sample.history['dealstage'] ?? []).map((e) => e.value));
    const quotas = await db
      .selectFrom('quotas')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    expect(quotas.length).toBeGreaterThan(0);
    expect(new Set(quotas.map((q) => q.owner_id)).size).toBe(
      new Set(h.sandbox.data.goals.map((g) => g.ownerId)).size,
    );
    const checkpoint = await db
      .selectFrom('sync_checkpoints')
      .select('checkpoint')
      .where('connection_id', '=', connection.id)
      .where('stream', '=', 'deals')
      .executeTakeFirstOrThrow();
    expect(checkpoint.checkpoint).toMatchObject({ v: 1, phase: 'idle' });
  }, 120_000);

  it('an incremental sync brings exactly 300 edits, 20 archives, 5 merges and a 10,001-deal bulk edit', async () => {
    const connection = await h.addConnection('incremental');
    const env = h.customEnv(UNLIMITED);
    const t0 = Date.now();
    expect((await runSync(env, connection, { push: false })).status).toBe('succeeded');

    const ids = [...h.sandbox.data.deals()].map((d) => d.id);
    const owners = h.sandbox.data.owners.filter((o) => o.archivedAt === null);
    const edited = ids.slice(-300);
    edited.forEach((id, k) => {
      h.sandbox.editDeal(id, {
        amount: String(1000 + k),
        ...(k % 3 === 0 && { hubspot_owner_id: owners[k % owners.length]!.id }),
      });
    });
    const archived = ids.slice(-340, -320);
    for (const id of archived) h.sandbox.archiveDeal(id);
    const merges = [0, 1, 2, 3, 4].map((k) => [
      ids[ids.length - 400 - 2 * k]!,
      ids[ids.length - 401 - 2 * k]!,
    ]);
    for (const [survivor, merged] of merges) h.sandbox.mergeDeals(survivor!, merged!);
    const bulkAt = Date.now();
    h.sandbox.bulkEditDeals(10_001, bulkAt);
    const reassigned = [...h.sandbox.data.contacts()]
      .filter((c) => c.properties['hubspot_owner_id'] !== owners[1]!.id)
      .slice(0, 10)
      .map((c) => c.id);
    for (const id of reassigned) h.sandbox.reassignContact(id, owners[1]!.id);
    h.sandbox.resetRequests();

    const summary = await runSync(env, connection, { push: false });
    expect(summary.error).toBeNull();
    expect(summary.status).toBe('succeeded');
    await expectWarehouseEqualsSandbox(connection.id);

    const touched = new Set<string>();
    for (const d of h.sandbox.data.deals()) {
      if (Date.parse(d.properties['hs_lastmodifieddate']!) >= bulkAt - 60_000) touched.add(d.id);
    }
    for (const id of edited) expect(touched.has(id)).toBe(true);
    expect(touched.size).toBeGreaterThan(10_001);
    // Read: every touched deal, plus at most the records the lookback re-reads.
    const lookbackNoise = [...h.sandbox.data.deals()].filter(
      (d) => !touched.has(d.id) && Date.parse(d.properties['hs_lastmodifieddate']!) >= t0 - 10 * 60_000,
    ).length;
    expect(summary.pulled.deals).toBeGreaterThanOrEqual(touched.size);
    expect(summary.pulled.deals).toBeLessThanOrEqual(touched.size + lookbackNoise);
    expect(summary.pulled.deleted).toBe(20);
    // Changed: the touched deals, the 5 merged-away rows folded, the 10 reassigned leads.
    expect(summary.pulled.changed).toBe(touched.size + 5 + 10);

    const db = h.database.db;
    const merged = await db
      .selectFrom('deals')
      .select(['external_id', 'merged_into', 'is_deleted'])
      .where('connection_id', '=', connection.id)
      .where('merged_into', 'is not', null)
      .orderBy('external_id')
      .execute();
    expect(merged.map((m) => [m.merged_into, m.external_id]).sort()).toEqual(
      merges.map((m) => [...m]).sort(),
    );
    const assignments = await db
      .selectFrom('lead_assignments')
      .select(['lead_id', 'owner_id'])
      .where('connection_id', '=', connection.id)
      .where('lead_id', 'in', reassigned)
      .where('owner_id', '=', owners[1]!.id)
      .execute();
    expect(new Set(assignments.map((a) => a.lead_id)).size).toBe(10);

    // Past the cap the search was restarted after the last id instead of paging to offset 10,000.
    const searches = h.sandbox.requests.filter((r) => r.search && r.path.includes('/deals/'));
    expect(searches.every((r) => r.status === 200)).toBe(true);
    expect(searches.length).toBeGreaterThanOrEqual(Math.ceil(touched.size / 200));
  }, 240_000);
});
