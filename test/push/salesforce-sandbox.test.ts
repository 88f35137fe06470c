import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { runSync, type SyncSummary } from '../../src/app/run-sync.js';
import type { Period } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import {
  createSalesforceHarness,
  REDIS_URL,
  type SalesforceHarness,
} from '../connectors/salesforce/harness.js';
import {
  activeReps,
  importQuarterQuotas,
  quarterOf,
  round1,
  warehouseMetric,
} from './sandbox-push-support.js';

/**
 * Issue 11 "Done when", Salesforce half: the push through the real Salesforce connector (built by
 * the production connector factory) and `runSync` against the Salesforce sandbox. Every sync runs
 * with --as-of the org's today (the sandbox's clock starts at ORG_NOW = 2026-03-15 12:00 UTC):
 * DESIGN §6 promises "no mutating call" for the same --as-of. The org's fiscal year starts in
 * February, so the pushed quarter is FY2027 Q1 (Feb–Apr 2026).
 */
const AS_OF = '2026-03-15';
const COMPOSITE = /\/services\/data\/v\d+\.0\/composite\/sobjects$/;

type Sandbox = SalesforceHarness['sandbox'];
type Row = ReturnType<Sandbox['data']['records']>[number];

/**
 * The sobject type of every `/composite/sobjects` save the process sends (PATCH updates, POST
 * creates). The sandbox logs method and path only, and deal and rep writes share the path: the
 * factory's connectors fetch through `globalThis.fetch`, so a pass-through spy sees each body.
 */
function compositeWrites(spy: MockInstance<typeof fetch>, from: number): string[] {
  return spy.mock.calls.slice(from).flatMap(([input, init]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    if ((method !== 'PATCH' && method !== 'POST') || !COMPOSITE.test(new URL(url).pathname)) return [];
    const body = JSON.parse(String(init?.body)) as { records: { attributes: { type: string } }[] };
    return [`${method} ${body.records[0]?.attributes.type}`];
  });
}

/** A harness, a connection, the warehouse loaded (--no-push) and every active rep but one given a quota. */
async function prepare(
  h: SalesforceHarness,
): Promise<{ connection: Connection; quarter: Period; withQuota: readonly string[] }> {
  let connection = await h.addConnection('push');
  const pulled = await runSync(h.factoryEnv(), connection, { push: false, asOf: AS_OF });
  expect(pulled.error).toBeNull();
  connection = await h.connections.get('push');
  const quarter = quarterOf(connection, AS_OF);
  expect(quarter.key).toBe('2027-Q1');
  const env = {
    DATABASE_URL: h.database.url,
    REDIS_URL,
    SALESOPS_SECRET_KEY: h.secretKey.toString('base64'),
    SALESOPS_QUEUE_PREFIX: h.prefix,
    LOG_LEVEL: 'silent',
  };
  const withQuota = await importQuarterQuotas({ db: h.db, connection, quarter, env, skip: 1 });
  return { connection, quarter, withQuota };
}

const openOpportunities = (sandbox: Sandbox): Row[] =>
  sandbox.data.records('Opportunity').filter((o) => o['IsClosed'] === false && o['IsDeleted'] !== true);

/**
 * After a push: every open opportunity carries the warehouse's win probability rounded to 0.1,
 * and every active rep's attainment (on its User, or its scorecard) equals the warehouse's
 * rounded, or is absent where the warehouse has none. Returns how many reps carry one.
 */
async function expectValuesLanded(
  h: SalesforceHarness,
  connection: Connection,
  quarter: Period,
  withQuota: readonly string[],
  repRecord: (userId: string) => Row | undefined,
): Promise<number> {
  const probability = await warehouseMetric(
    h.db,
    connection.id,
    'deal',
    'salesops_win_probability',
    quarter.key,
  );
  const open = openOpportunities(h.sandbox);
  expect(open.length).toBeGreaterThan(0);
  for (const opp of open) {
    const value = probability.get(String(opp['Id']));
    expect(value, `opportunity ${String(opp['Id'])}`).toEqual(expect.any(Number));
    expect(opp['SalesOps_Win_Probability__c'], `opportunity ${String(opp['Id'])}`).toBe(round1(value ?? 0));
  }
  const attainment = await warehouseMetric(
    h.db,
    connection.id,
    'rep',
    'salesops_quota_attainment',
    quarter.key,
  );
  for (const id of withQuota) expect(attainment.get(id), `rep ${id}`).toEqual(expect.any(Number));
  let landed = 0;
  for (const rep of await activeReps(h.db, connection.id)) {
    const value = attainment.get(rep.id) ?? null;
    const written = repRecord(rep.userId)?.['SalesOps_Quota_Attainment__c'] ?? null;
    // A value never written before is queued only when it is not null (src/push/README.md).
    expect(written, `rep ${rep.id}`).toBe(value === null ? null : round1(value));
    if (written !== null) landed++;
  }
  // Every rep given a quota has an attainment (0 without wins), and it landed.
  expect(landed).toBeGreaterThanOrEqual(withQuota.length);
  return landed;
}

/** A second sync with the same --as-of: no mutating request at all, pushed.calls 0. */
async function expectSecondSyncQuiet(h: SalesforceHarness, connection: Connection): Promise<void> {
  const before = h.sandbox.requests.length;
  const second = await runSync(h.factoryEnv(), connection, { push: true, asOf: AS_OF });
  expect(second.error).toBeNull();
  expect(second.pushed).toEqual({ calls: 0, records: 0, failed: 0, rejected: [] });
  expect(h.sandbox.requests.slice(before).filter((r) => r.mutating)).toEqual([]);
}

let spy: MockInstance<typeof fetch>;
beforeAll(() => {
  spy = vi.spyOn(globalThis, 'fetch');
});
afterAll(() => spy.mockRestore());

describe('push to the Salesforce sandbox', () => {
  let h: SalesforceHarness;
  let connection: Connection;
  let quarter: Period;
  let withQuota: readonly string[];

  // ~15% of the sandbox's opportunities are open: 1,600 give ~240, enough for 201 moves.
  beforeAll(async () => {
    h = await createSalesforceHarness('push_sf', { seed: 3, deals: 1_600, leads: 300 });
  });
  afterAll(() => h.close());

  const sync = () => runSync(h.factoryEnv(), connection, { push: true, asOf: AS_OF });

  async function settle(): Promise<number> {
    for (let n = 1; n <= 3; n++) {
      const summary = await sync();
      expect(summary.error).toBeNull();
      if (summary.pushed.calls === 0) return n;
    }
    throw new Error('the push did not settle within 3 syncs');
  }

  /** Open stages in the org's order; the retired one (Perception Analysis) is never a target. */
  const openStages = () =>
    h.sandbox.data
      .records('OpportunityStage')
      .filter((s) => s['IsClosed'] === false && s['IsActive'] === true)
      .sort((a, b) => Number(a['SortOrder']) - Number(b['SortOrder']))
      .map((s) => String(s['ApiName']));

  /** First open stage ↔ last open stage: the model's win rates of the two differ. */
  function otherOpenStage(current: string): string {
    const stages = openStages();
    const rank = stages.indexOf(current);
    const target = rank !== -1 && rank < stages.length / 2 ? stages[stages.length - 1] : stages[0];
    if (!target || target === current) throw new Error(`no other open stage than ${current}`);
    return target;
  }

  async function moveAndSync(
    count: number,
  ): Promise<{ summary: SyncSummary; writes: string[]; mutating: number }> {
    const opps = openOpportunities(h.sandbox).slice(0, count);
    expect(opps).toHaveLength(count);
    const before = await warehouseMetric(
      h.db,
      connection.id,
      'deal',
      'salesops_win_probability',
      quarter.key,
    );
    for (const opp of opps)
      h.sandbox.edit('Opportunity', String(opp['Id']), {
        StageName: otherOpenStage(String(opp['StageName'])),
      });
    const fromRequest = h.sandbox.requests.length;
    const fromFetch = spy.mock.calls.length;
    const summary = await sync();
    expect(summary.error).toBeNull();
    expect(summary.pushed.rejected).toEqual([]);

    // None was won or lost; each moved deal's win probability changed (rounded), no other deal's did.
    const after = await warehouseMetric(h.db, connection.id, 'deal', 'salesops_win_probability', quarter.key);
    const moved = new Set(opps.map((o) => String(o['Id'])));
    for (const id of moved) {
      expect(h.sandbox.data.get('Opportunity', id)?.['IsClosed'], `opportunity ${id}`).toBe(false);
      expect(round1(after.get(id) ?? Number.NaN), `opportunity ${id}`).not.toBe(
        round1(before.get(id) ?? Number.NaN),
      );
    }
    expect(
      [...after].filter(([id, v]) => !moved.has(id) && round1(v ?? 0) !== round1(before.get(id) ?? 0)),
    ).toEqual([]);
    const writtenDeals = await h.db
      .selectFrom('push_results')
      .select('record_id')
      .distinct()
      .where('run_id', '=', summary.runId)
      .where('object', '=', 'deal')
      .where('outcome', '=', 'written')
      .execute();
    expect(writtenDeals.map((r) => r.record_id).sort()).toEqual([...moved].sort());

    const mutating = h.sandbox.requests.slice(fromRequest).filter((r) => r.mutating);
    const writes = compositeWrites(spy, fromFetch);
    // The spy saw every mutating request the sandbox received, and each was a composite save.
    expect(mutating.every((r) => r.method === 'PATCH' && COMPOSITE.test(r.path))).toBe(true);
    expect(writes).toHaveLength(mutating.length);
    expect(summary.pushed.calls).toBe(mutating.length);
    return { summary, writes, mutating: mutating.length };
  }

  it('after a sync every active rep’s attainment (User) and every open deal’s win probability equal the warehouse’s, rounded', async () => {
    ({ connection, quarter, withQuota } = await prepare(h));
    const first = await sync();
    expect(first.error).toBeNull();
    expect(first.status).toBe('succeeded');
    expect(first.pushed.rejected).toEqual([]);
    expect(first.pushed.calls).toBeGreaterThan(0);
    expect(openOpportunities(h.sandbox).length).toBeGreaterThanOrEqual(201);
    await expectValuesLanded(h, connection, quarter, withQuota, (userId) =>
      h.sandbox.data.get('User', userId),
    );
  }, 60_000);

  it('a second sync makes no mutating call of any kind and reports pushed.calls 0', async () => {
    await expectSecondSyncQuiet(h, connection);
  }, 60_000);

  it('37 open deals moved to another open stage: exactly 1 Opportunity write call (37 ≤ 200 per composite call)', async () => {
    expect(await settle()).toBe(1);
    const { writes } = await moveAndSync(37);
    // 37 records ≤ 200 per composite call (allOrNone=false): one Opportunity write.
    expect(writes.filter((w) => w === 'PATCH Opportunity')).toHaveLength(1);
    // Besides it only a User write: the owners' forecast P50 moved with their deals' win probability.
    expect(writes.filter((w) => w !== 'PATCH Opportunity').every((w) => w === 'PATCH User')).toBe(true);
    expect(writes.length).toBeLessThanOrEqual(2);
  }, 60_000);

  it('201 open deals moved: exactly 2 Opportunity write calls (200 + 1)', async () => {
    // The sync after the last push re-reads the 37 opportunities it wrote (SystemModstamp bumped)
    // and pushes nothing.
    expect(await settle()).toBe(1);
    const { writes } = await moveAndSync(201);
    // 201 records, 200 per composite call: 200 + 1 = 2 Opportunity writes.
    expect(writes.filter((w) => w === 'PATCH Opportunity')).toHaveLength(2);
    // Besides them at most one User write (the owners' P50s; ≤ 200 reps fit one call).
    expect(writes.filter((w) => w !== 'PATCH Opportunity').every((w) => w === 'PATCH User')).toBe(true);
    expect(writes.length).toBeLessThanOrEqual(3);
  }, 60_000);
});

/** The ten default fields (DESIGN §6) under their Salesforce names. */
const DEAL_FIELDS = [
  'SalesOps_Forecast_Category__c',
  'SalesOps_Owner_Attainment__c',
  'SalesOps_Stage_Entered_At__c',
  'SalesOps_Win_Probability__c',
];
const REP_FIELDS = [
  'SalesOps_Closed_Won__c',
  'SalesOps_Forecast_P50__c',
  'SalesOps_Lead_Share_Vs_Expected__c',
  'SalesOps_Quota_Attainment__c',
  'SalesOps_Quota__c',
  'SalesOps_Win_Rate__c',
];
const ours = (sandbox: Sandbox, object: string) =>
  sandbox.data
    .customFields(object)
    .map((f) => f.name)
    .filter((name) => name.startsWith('SalesOps_'))
    .sort();

describe('push to the Salesforce sandbox: strict field permissions', () => {
  let h: SalesforceHarness;
  beforeAll(async () => {
    h = await createSalesforceHarness('push_sf_strict', {
      seed: 5,
      deals: 300,
      leads: 100,
      strictFieldPermissions: true,
    });
  });
  afterAll(() => h.close());

  it('the first push creates the fields and the permission set that makes them editable, then the values land', async () => {
    const { connection, quarter, withQuota } = await prepare(h);
    // The --no-push sync provisioned nothing.
    expect([...ours(h.sandbox, 'Opportunity'), ...ours(h.sandbox, 'User')]).toEqual([]);

    const first = await runSync(h.factoryEnv(), connection, { push: true, asOf: AS_OF });
    expect(first.error).toBeNull();
    expect(first.status).toBe('succeeded');
    expect(first.pushed.rejected).toEqual([]);
    expect(ours(h.sandbox, 'Opportunity')).toEqual(DEAL_FIELDS);
    expect(ours(h.sandbox, 'User')).toEqual(REP_FIELDS);
    // In strict mode a new custom field is invisible until a permission set grants it and is
    // assigned: the push's own set grants read/edit on all ten and is assigned to the integration user.
    const set = h.sandbox.data.permissionSets().find((p) => p.name === 'SalesOps_Integration');
    expect(set?.assignedToIntegrationUser).toBe(true);
    const granted = new Set(set?.fields.filter((f) => f.read && f.edit).map((f) => f.field));
    for (const field of DEAL_FIELDS) expect(granted, field).toContain(`Opportunity.${field}`);
    for (const field of REP_FIELDS) expect(granted, field).toContain(`User.${field}`);

    await expectValuesLanded(h, connection, quarter, withQuota, (userId) =>
      h.sandbox.data.get('User', userId),
    );
    await expectSecondSyncQuiet(h, connection);
  }, 60_000);
});

describe('push to the Salesforce sandbox: the User fallback (no Manage Users)', () => {
  let h: SalesforceHarness;
  beforeAll(async () => {
    h = await createSalesforceHarness('push_sf_scorecard', {
      seed: 7,
      deals: 300,
      leads: 100,
      manageUsers: false,
    });
  });
  afterAll(() => h.close());

  it('rep values land on one SalesOps_Scorecard__c per rep, never on User', async () => {
    const { connection, quarter, withQuota } = await prepare(h);
    const fromFetch = spy.mock.calls.length;
    const first = await runSync(h.factoryEnv(), connection, { push: true, asOf: AS_OF });
    expect(first.error).toBeNull();
    expect(first.status).toBe('succeeded');
    expect(first.pushed.rejected).toEqual([]);

    expect(ours(h.sandbox, 'SalesOps_Scorecard__c')).toEqual(
      expect.arrayContaining([...REP_FIELDS, 'SalesOps_User__c']),
    );
    const scorecards = h.sandbox.data.records('SalesOps_Scorecard__c');
    const byUser = new Map(scorecards.map((s) => [String(s['SalesOps_User__c']).slice(0, 15), s]));
    // One scorecard per rep written (Salesforce ids compare in their first 15 characters).
    expect(byUser.size).toBe(scorecards.length);
    const landed = await expectValuesLanded(h, connection, quarter, withQuota, (userId) =>
      byUser.get(userId.slice(0, 15)),
    );
    expect(scorecards.length).toBeGreaterThanOrEqual(landed);

    // The connector read the missing Manage Users permission and never tried User.
    const writes = compositeWrites(spy, fromFetch);
    expect(writes).not.toContain('PATCH User');
    expect(writes).toContain('POST SalesOps_Scorecard__c');
    expect(
      h.sandbox.data.fieldWrites.filter((w) => w.object === 'User' && w.field.startsWith('SalesOps_')),
    ).toEqual([]);
    await expectSecondSyncQuiet(h, connection);
  }, 60_000);
});
