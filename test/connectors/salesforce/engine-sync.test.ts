import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/app/run-sync.js';
import { createSalesforceHarness, type SalesforceHarness } from './harness.js';
import { makeJwtCredentials } from './jwt-certificate.js';

/**
 * Full and incremental syncs through the engine (BullMQ worker, Postgres, Redis) against the
 * Salesforce sandbox, compared field by field with the sandbox's own rows. 2,100 opportunities
 * and 3,150 leads: each stream crosses one 2,000-record page boundary.
 */
const DEALS = 2_100;

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

describe('Salesforce connector through the engine', () => {
  let h: SalesforceHarness;
  beforeAll(async () => {
    h = await createSalesforceHarness('sf_engine', { seed: 5, deals: DEALS });
  });
  afterAll(() => h.close());

  async function expectWarehouseEqualsSandbox(connectionId: number): Promise<void> {
    const deals = await h.db
      .selectFrom('deals')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute();
    const live = new Map(deals.filter((d) => !d.is_deleted).map((d) => [d.external_id, d]));
    const sandboxDeals = h.sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    expect(live.size).toBe(sandboxDeals.length);
    for (const o of sandboxDeals) {
      const row = live.get(String(o['Id']));
      expect(row, `deal ${String(o['Id'])}`).toBeDefined();
      expect({
        name: row?.name,
        stage: row?.stage_id,
        owner: row?.owner_id,
        amount: num(row?.amount),
        home: num(row?.amount_home),
        currency: row?.currency,
        close: row?.close_date,
        probability: num(row?.probability),
        modified: row?.last_modified_at.toISOString(),
      }).toEqual({
        name: o['Name'],
        stage: o['StageName'],
        owner: o['OwnerId'],
        amount: num(o['Amount']),
        home: num(o['Amount']),
        currency: 'USD',
        close: o['CloseDate'],
        probability: num(o['Probability']) === null ? null : Number(o['Probability']) / 100,
        modified: iso(o['SystemModstamp']),
      });
    }
    const deletedInSandbox = h.sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] === true);
    for (const o of deletedInSandbox) {
      const row = deals.find((d) => d.external_id === o['Id']);
      if (row) expect(row.is_deleted).toBe(true);
    }

    const leads = await h.db
      .selectFrom('leads')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute();
    const liveLeads = new Map(leads.filter((l) => !l.is_deleted).map((l) => [l.external_id, l]));
    const sandboxLeads = h.sandbox.data.records('Lead').filter((r) => r['IsDeleted'] !== true);
    expect(liveLeads.size).toBe(sandboxLeads.length);
    for (const l of sandboxLeads) {
      const row = liveLeads.get(String(l['Id']));
      expect({
        owner: row?.owner_id,
        rating: row?.rating,
        source: row?.source,
        status: row?.status,
        email: row?.email,
        modified: row?.last_modified_at.toISOString(),
      }).toEqual({
        owner: l['OwnerId'],
        rating: l['Rating'],
        source: l['LeadSource'],
        status: l['Status'],
        email: l['Email'],
        modified: iso(l['SystemModstamp']),
      });
    }
  }

  let connectionId = 0;

  it('a full sync lands exactly the org: deals across a page, leads (converted and queue-owned), owners, stages, history, quotas', async () => {
    const connection = await h.addConnection('full');
    connectionId = connection.id;
    const summary = await runSync(h.factoryEnv(), connection, { push: false });
    expect(summary.error).toBeNull();
    expect(summary.status).toBe('succeeded');
    const users = h.sandbox.data.records('User');
    const queues = h.sandbox.data.records('Group').filter((g) => g['Type'] === 'Queue');
    const liveDeals = h.sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    const liveLeads = h.sandbox.data.records('Lead').filter((r) => r['IsDeleted'] !== true);
    expect(liveDeals.length).toBeGreaterThan(2000);
    expect(summary.pulled).toMatchObject({
      owners: users.length + queues.length,
      pipelines: 1,
      deals: liveDeals.length,
      leads: liveLeads.length,
    });
    expect(summary.quarantined).toBe(0);
    await expectWarehouseEqualsSandbox(connection.id);

    const account = await h.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(account).toMatchObject({
      account_id: h.sandbox.data.orgId,
      crm_time_zone: h.sandbox.data.timeZone,
      crm_fiscal_year_start: 2,
      currency: 'USD',
      multi_currency: false,
    });

    const owners = await h.db
      .selectFrom('owners')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    for (const u of users) {
      const row = owners.find((o) => o.external_id === u['Id']);
      expect(row).toMatchObject({
        active: u['IsActive'],
        user_id: u['Id'],
        manager_id: u['ManagerId'],
        is_queue: false,
      });
    }
    for (const q of queues) expect(owners.find((o) => o.external_id === q['Id'])?.is_queue).toBe(true);
    expect(liveLeads.some((l) => l['IsConverted'] === true)).toBe(true);
    // Teams: one per manager, holding exactly that manager's direct reports.
    const memberships = await h.db
      .selectFrom('owner_teams')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    expect(memberships).toHaveLength(users.filter((u) => u['ManagerId']).length);

    const stages = await h.db
      .selectFrom('stages')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    const sandboxStages = h.sandbox.data.records('OpportunityStage');
    expect(stages).toHaveLength(sandboxStages.length);
    for (const s of sandboxStages) {
      const row = stages.find((r) => r.external_id === s['ApiName']);
      expect({ won: row?.is_won, closed: row?.is_closed, p: num(row?.probability) }).toEqual({
        won: s['IsWon'],
        closed: s['IsClosed'],
        p: Number(s['DefaultProbability']) / 100,
      });
    }

    // Stage and owner history of a reassigned deal, as OpportunityHistory / field history keep it.
    const ownerRows = h.sandbox.data
      .records('OpportunityFieldHistory')
      .filter((r) => r['Field'] === 'Owner' && r['DataType'] === 'EntityId');
    const reassigned = String(ownerRows[0]?.['OpportunityId']);
    const live = liveDeals.find((d) => d['Id'] === reassigned);
    if (live) {
      const history = await h.db
        .selectFrom('deal_history')
        .select(['field', 'value', 'changed_at'])
        .where('connection_id', '=', connection.id)
        .where('deal_id', '=', reassigned)
        .orderBy('changed_at')
        .execute();
      const expectedStages = h.sandbox.data
        .records('OpportunityHistory')
        .filter((r) => r['OpportunityId'] === reassigned)
        .sort((a, b) => Number(a['CreatedDate']) - Number(b['CreatedDate']))
        .map((r) => r['StageName']);
      expect(history.filter((r) => r.field === 'stage').map((r) => r.value)).toEqual(expectedStages);
      const owners = history.filter((r) => r.field === 'owner').map((r) => r.value);
      const changes = ownerRows.filter((r) => r['OpportunityId'] === reassigned);
      expect(owners).toEqual([changes[0]?.['OldValue'], ...changes.map((c) => c['NewValue'])]);
    }

    const quotas = await h.db
      .selectFrom('quotas')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    expect(quotas.length).toBeGreaterThan(0);
    expect(new Set(quotas.map((q) => q.owner_id))).toEqual(
      new Set(h.sandbox.data.records('ForecastingQuota').map((q) => q['QuotaOwnerId'])),
    );
  });

  it('a sync with no changes after a --no-push sync makes at most 8 API calls and changes nothing', async () => {
    const connection = await h.connections.getById(connectionId);
    h.sandbox.resetRequests();
    const summary = await runSync(h.factoryEnv(), connection, { push: false });
    expect(summary.status).toBe('succeeded');
    expect(summary.pulled.changed).toBe(0);
    expect(summary.pulled.deleted).toBe(0);
    expect(
      h.sandbox.requests.length,
      JSON.stringify(h.sandbox.requests.map((r) => r.path)),
    ).toBeLessThanOrEqual(8);
    expect(h.sandbox.requests.filter((r) => r.mutating)).toHaveLength(0);
  });

  it('an incremental sync brings exactly the edits, soft deletes and a hard delete', async () => {
    const connection = await h.connections.getById(connectionId);
    const live = h.sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    const [edited, restaged, reassigned, soft, hard] = [
      live[10]!,
      live[500]!,
      live[2050]!,
      live[20]!,
      live[30]!,
    ];
    const otherOwner = String(live.find((d) => d['OwnerId'] !== reassigned['OwnerId'])!['OwnerId']);
    h.sandbox.edit('Opportunity', String(edited['Id']), { Amount: 123_456.78 });
    h.sandbox.edit('Opportunity', String(restaged['Id']), { StageName: 'Closed Won' });
    h.sandbox.reassign('Opportunity', String(reassigned['Id']), otherOwner);
    h.sandbox.softDelete('Opportunity', String(soft['Id']));
    h.sandbox.hardDelete('Opportunity', String(hard['Id']));
    const lead = h.sandbox.data
      .records('Lead')
      .find((l) => l['IsDeleted'] !== true && String(l['OwnerId']).startsWith('005'))!;
    h.sandbox.reassign('Lead', String(lead['Id']), otherOwner);
    // Queues own leads too: a queue owner is kept, and the queue is an owner with isQueue.
    const queueId = String(h.sandbox.data.records('Group').find((g) => g['Type'] === 'Queue')!['Id']);
    const queued = h.sandbox.data
      .records('Lead')
      .find((l) => l['IsDeleted'] !== true && l['Id'] !== lead['Id'])!;
    h.sandbox.reassign('Lead', String(queued['Id']), queueId);
    // Hard deletes are found by id reconciliation, due daily: make it due.
    await sql`update sync_checkpoints set updated_at = now() - interval '2 days' where connection_id = ${connectionId} and stream = 'reconcile'`.execute(
      h.db,
    );

    const summary = await runSync(h.factoryEnv(), connection, { push: false });
    expect(summary.error).toBeNull();
    expect(summary.status).toBe('succeeded');
    // Three deals and two leads changed; two deals deleted (one soft, one hard).
    expect(summary.pulled.changed).toBe(5);
    expect(summary.pulled.deleted).toBe(2);
    await expectWarehouseEqualsSandbox(connectionId);
    const gone = await h.db
      .selectFrom('deals')
      .select(['external_id', 'is_deleted'])
      .where('connection_id', '=', connectionId)
      .where('external_id', 'in', [String(soft['Id']), String(hard['Id'])])
      .execute();
    expect(gone.every((d) => d.is_deleted)).toBe(true);
    const history = await h.db
      .selectFrom('deal_history')
      .select(['value'])
      .where('connection_id', '=', connectionId)
      .where('deal_id', '=', String(reassigned['Id']))
      .where('field', '=', 'owner')
      .orderBy('changed_at', 'desc')
      .executeTakeFirst();
    expect(history?.value).toBe(otherOwner);
    const assignment = await h.db
      .selectFrom('lead_assignments')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('lead_id', '=', String(lead['Id']))
      .where('owner_id', '=', otherOwner)
      .executeTakeFirst();
    expect(assignment?.source).toBe('crm_history');
  });

  it('a session expiring mid-sync is refreshed once (client credentials) and the sync continues', async () => {
    const connection = await h.addConnection('refresh', 'client_credentials');
    let calls = 0;
    const fetchExpiring: typeof fetch = async (input, init) => {
      calls++;
      // After the first token and a few data pages, every session dies.
      if (calls === 6) h.sandbox.expireSessions();
      return globalThis.fetch(input, init);
    };
    h.sandbox.resetRequests();
    const summary = await runSync(h.customEnv({ fetch: fetchExpiring }), connection, { push: false });
    expect(summary.error).toBeNull();
    expect(summary.status).toBe('succeeded');
    const tokenCalls = h.sandbox.requests.filter((r) => r.path.startsWith('/services/oauth2/token'));
    expect(tokenCalls).toHaveLength(2);
    expect(h.sandbox.requests.filter((r) => r.status === 401)).toHaveLength(1);
    const creds = await h.connections.credentials(connection.id);
    expect(creds).toMatchObject({ method: 'client_credentials', accessToken: expect.any(String) });
    const landed = await h.db
      .selectFrom('deals')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(Number(landed.n)).toBe(
      h.sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true).length,
    );
  });
  it('a JWT bearer connection signs its assertion with the stored key and syncs; a key the org does not know is refused in one sentence', async () => {
    const connection = await h.addConnection('jwt', 'jwt');
    h.sandbox.resetRequests();
    const summary = await runSync(h.customEnv(), connection, { push: false });
    expect(summary.error).toBeNull();
    expect(summary.status).toBe('succeeded');
    const tokenCalls = h.sandbox.requests.filter((r) => r.path.startsWith('/services/oauth2/token'));
    expect(tokenCalls.map((r) => r.status)).toEqual([200]);
    expect(await h.connections.credentials(connection.id)).toMatchObject({
      method: 'jwt',
      accessToken: expect.any(String),
    });

    // The same client id and user, but a key whose certificate was never uploaded to the app.
    const stranger = makeJwtCredentials('not-registered');
    const wrong = await h.connections.add({
      name: 'jwt-wrong-key',
      kind: 'salesforce',
      baseUrl: h.sandbox.instanceUrl,
      loginUrl: h.sandbox.loginUrl,
      apiVersion: '62.0',
      credentials: {
        method: 'jwt',
        clientId: h.sandbox.clientId,
        username: 'integration@example.com',
        privateKey: stranger.privateKey,
      },
    });
    const refused = await runSync(h.customEnv(), wrong, { push: false });
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(
      /^Salesforce refused to issue an access token \(invalid_grant: invalid assertion\);/,
    );
    expect(refused.error?.split(/\.\s/)).toHaveLength(1);
  });
});
