import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxRecord } from '../../sandboxes/hubspot/sandbox-record.js';
import { runSync, type SyncSummary } from '../../src/app/run-sync.js';
import type { Period } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { createHubspotHarness, type HubspotHarness, REDIS_URL } from '../connectors/hubspot/harness.js';
import {
  activeReps,
  importQuarterQuotas,
  quarterOf,
  round1,
  today,
  warehouseMetric,
} from './sandbox-push-support.js';

/**
 * Issue 11 "Done when", HubSpot half: the push through the real HubSpot connector (built by the
 * production connector factory) and `runSync` against the HubSpot sandbox.
 *
 * Sized for 201 open deals: the sandbox's portal has ~10% of its deals open (the rest closed over
 * the year before today), so 2,400 deals give ~250 open ones; 200 contacts keep the lead pull small.
 * Every sync runs with --as-of today: DESIGN §6 promises "no mutating call" for the same --as-of
 * (a deal's age in its stage, and so an aged deal's win probability, otherwise moves with the clock).
 */
const DEALS = 2_400;
const DEALS_PATH = '/crm/v3/objects/deals/batch/update';
const USERS_PATH = '/crm/v3/objects/users/batch/update';

describe('push to the HubSpot sandbox through the connector factory and runSync', () => {
  let h: HubspotHarness;
  let connection: Connection;
  let asOf: string;
  let quarter: Period;

  beforeAll(async () => {
    h = await createHubspotHarness('push_hs', { seed: 3, deals: DEALS, contacts: 200 });
    connection = await h.addConnection('push');
    asOf = today(h.sandbox.data.account.timeZone);
  });
  afterAll(() => h.close());

  const sync = (push = true) => runSync(h.factoryEnv(), connection, { push, asOf });

  /** Mutating requests since `from` (an index into `sandbox.requests`), by kind. */
  function mutatingSince(from: number) {
    const calls = h.sandbox.requests.slice(from).filter((r) => r.mutating);
    return {
      all: calls.length,
      dealWrites: calls.filter((r) => r.method === 'POST' && r.path === DEALS_PATH).length,
      userWrites: calls.filter((r) => r.method === 'POST' && r.path === USERS_PATH).length,
      other: calls
        .filter((r) => r.path !== DEALS_PATH && r.path !== USERS_PATH)
        .map((r) => `${r.method} ${r.path}`),
    };
  }

  const closedStages = () =>
    new Set(h.sandbox.data.pipelines.flatMap((p) => p.stages.filter((s) => s.isClosed).map((s) => s.id)));
  const openDeals = (): SandboxRecord[] => {
    const closed = closedStages();
    return [...h.sandbox.data.deals()].filter((d) => !closed.has(d.properties['dealstage'] ?? ''));
  };

  /**
   * Another open stage of the deal's own pipeline, far from its current one (first open stage ↔
   * last open stage), so the model's win rate for the new stage differs.
   */
  function otherOpenStage(deal: SandboxRecord): string {
    const pipeline = h.sandbox.data.pipelines.find((p) => p.id === deal.properties['pipeline']);
    const open = (pipeline?.stages ?? [])
      .filter((s) => !s.isClosed)
      .sort((a, b) => a.displayOrder - b.displayOrder);
    const rank = open.findIndex((s) => s.id === deal.properties['dealstage']);
    const target = rank < open.length / 2 ? open[open.length - 1] : open[0];
    if (!target || target.isClosed || target.id === deal.properties['dealstage']) {
      throw new Error(`no other open stage for deal ${deal.id}`);
    }
    return target.id;
  }

  /** Syncs until one pushes nothing (our writes' re-read, DESIGN §6); returns how many it took. */
  async function settle(): Promise<number> {
    for (let n = 1; n <= 3; n++) {
      const summary = await sync();
      expect(summary.error).toBeNull();
      if (summary.pushed.calls === 0) return n;
    }
    throw new Error('the push did not settle within 3 syncs');
  }

  /** Moves `count` open deals to another open stage, syncs, and returns the sync and its calls. */
  async function moveAndSync(
    count: number,
  ): Promise<{ summary: SyncSummary; calls: ReturnType<typeof mutatingSince> }> {
    const deals = openDeals().slice(0, count);
    expect(deals).toHaveLength(count);
    const before = await warehouseMetric(
      h.database.db,
      connection.id,
      'deal',
      'salesops_win_probability',
      quarter.key,
    );
    const closed = closedStages();
    for (const deal of deals) {
      const target = otherOpenStage(deal);
      expect(closed.has(target)).toBe(false);
      h.sandbox.editDeal(deal.id, { dealstage: target });
    }
    const from = h.sandbox.requests.length;
    const summary = await sync();
    expect(summary.error).toBeNull();
    expect(summary.pushed.rejected).toEqual([]);
    const calls = mutatingSince(from);
    // The push wrote exactly the moved deals (and some reps, whose P50 moved with their deals).
    const writtenDeals = await h.database.db
      .selectFrom('push_results')
      .select('record_id')
      .distinct()
      .where('run_id', '=', summary.runId)
      .where('object', '=', 'deal')
      .where('outcome', '=', 'written')
      .execute();
    expect(writtenDeals.map((r) => r.record_id).sort()).toEqual(deals.map((d) => d.id).sort());

    // Every moved deal is still open and its model win probability changed (rounded as pushed),
    // so each of them is one record to write; no other deal's value moved.
    const after = await warehouseMetric(
      h.database.db,
      connection.id,
      'deal',
      'salesops_win_probability',
      quarter.key,
    );
    const moved = new Set(deals.map((d) => d.id));
    for (const deal of deals) {
      expect(closed.has(h.sandbox.data.get('deals', deal.id)?.properties['dealstage'] ?? '')).toBe(false);
      expect(round1(after.get(deal.id) ?? Number.NaN), `deal ${deal.id}`).not.toBe(
        round1(before.get(deal.id) ?? Number.NaN),
      );
    }
    const changedOthers = [...after].filter(
      ([id, v]) => !moved.has(id) && round1(v ?? 0) !== round1(before.get(id) ?? 0),
    );
    expect(changedOthers).toEqual([]);
    return { summary, calls };
  }

  it('after a sync every active rep’s attainment and every open deal’s win probability equal the warehouse’s, rounded', async () => {
    const pulled = await sync(false);
    expect(pulled.error).toBeNull();
    connection = await h.connections.get('push');
    quarter = quarterOf(connection, asOf);
    const env = {
      DATABASE_URL: h.database.url,
      REDIS_URL,
      SALESOPS_SECRET_KEY: h.secretKey,
      SALESOPS_QUEUE_PREFIX: h.prefix,
      LOG_LEVEL: 'silent',
    };
    // Every active rep but one gets a quota for the quarter: that one's attainment stays null.
    const withQuota = await importQuarterQuotas({ db: h.database.db, connection, quarter, env, skip: 1 });

    const first = await sync();
    expect(first.error).toBeNull();
    expect(first.status).toBe('succeeded');
    expect(first.pushed.rejected).toEqual([]);
    expect(first.pushed.calls).toBeGreaterThan(0);

    const db = h.database.db;
    const attainment = await warehouseMetric(
      db,
      connection.id,
      'rep',
      'salesops_quota_attainment',
      quarter.key,
    );
    const reps = await activeReps(db, connection.id);
    // The sandbox's 22 active owners are the warehouse's active reps.
    expect(reps.map((r) => r.id).sort()).toEqual(
      h.sandbox.data.owners
        .filter((o) => o.archivedAt === null)
        .map((o) => o.id)
        .sort(),
    );
    for (const id of withQuota) expect(attainment.get(id), `rep ${id}`).toEqual(expect.any(Number));
    const userRecord = new Map(
      h.sandbox.data.users().map((u) => [u.properties['hs_internal_user_id'], u.id]),
    );
    const writtenUsers = h.sandbox.data.written('users');
    let landed = 0;
    for (const rep of reps) {
      const value = attainment.get(rep.id) ?? null;
      const written = writtenUsers.get(userRecord.get(rep.userId) ?? '')?.['salesops_quota_attainment'];
      if (value === null) {
        // Never written while null (DESIGN §6: a value never written before is queued only when not null).
        expect(written, `rep ${rep.id}`).toBeUndefined();
        continue;
      }
      expect(Number(written), `rep ${rep.id}`).toBe(round1(value));
      landed++;
    }
    // 22 active reps, 21 with a quota: at least those 21 carry an attainment in HubSpot.
    expect(landed).toBeGreaterThanOrEqual(withQuota.length);

    const probability = await warehouseMetric(
      db,
      connection.id,
      'deal',
      'salesops_win_probability',
      quarter.key,
    );
    const writtenDeals = h.sandbox.data.written('deals');
    const open = openDeals();
    expect(open.length).toBeGreaterThanOrEqual(201);
    for (const deal of open) {
      const value = probability.get(deal.id);
      expect(value, `deal ${deal.id}`).toEqual(expect.any(Number));
      expect(Number(writtenDeals.get(deal.id)?.['salesops_win_probability']), `deal ${deal.id}`).toBe(
        round1(value ?? 0),
      );
    }
  }, 120_000);

  it('a second sync makes no mutating call of any kind and reports pushed.calls 0', async () => {
    const from = h.sandbox.requests.length;
    const second = await sync();
    expect(second.error).toBeNull();
    expect(second.pushed).toEqual({ calls: 0, records: 0, failed: 0, rejected: [] });
    expect(h.sandbox.requests.slice(from).filter((r) => r.mutating)).toEqual([]);
  }, 60_000);

  it('37 open deals moved to another open stage: exactly 1 deal-write call (37 ≤ 100 per batch update)', async () => {
    // Nothing pushed since the second sync: the first sync settles.
    expect(await settle()).toBe(1);
    const { summary, calls } = await moveAndSync(37);
    // 37 records ≤ 100 per batch update: one call on the deals endpoint.
    expect(calls.dealWrites).toBe(1);
    // Besides it only rep writes: the moved deals' owners' forecast P50 changed (their open deals
    // changed win probability), written to the users object in its own call (≤ 100 reps: one).
    // No field, group or property call: nothing to provision.
    expect(calls.userWrites).toBeLessThanOrEqual(1);
    expect(calls.other).toEqual([]);
    expect(summary.pushed.calls).toBe(calls.dealWrites + calls.userWrites);
    expect(summary.pushed.records).toBeGreaterThanOrEqual(37);
  }, 60_000);

  it('201 open deals moved: exactly 3 deal-write calls (100 + 100 + 1)', async () => {
    // The sync after the last push re-reads the 37 deals it wrote (hs_lastmodifieddate bumped)
    // and pushes nothing.
    expect(await settle()).toBe(1);
    const { summary, calls } = await moveAndSync(201);
    // 201 records, 100 per batch update: 100 + 100 + 1 = 3 calls on the deals endpoint.
    expect(calls.dealWrites).toBe(3);
    expect(calls.userWrites).toBeLessThanOrEqual(1);
    expect(calls.other).toEqual([]);
    expect(summary.pushed.calls).toBe(calls.dealWrites + calls.userWrites);
    expect(summary.pushed.records).toBeGreaterThanOrEqual(201);
  }, 60_000);
});
