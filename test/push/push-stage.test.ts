import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmKind } from '../../connectors/connector.js';
import { type Connection, toConnection } from '../../src/connections/connection-store.js';
import { provisionFields } from '../../src/push/provision-fields.js';
import { runPreview, runRejections } from '../../src/push/push-report.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { createPushDouble } from './push-double.js';
import { computeAndPush, dealId, outboxSize, seedPush, setDealMetric } from './push-seed.js';

const WIN = 'salesops_win_probability';
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => dealId(from + k));

describe('push stage against a write double', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('push_stage');
  });
  afterAll(() => t.drop());

  /** A connection whose first push has completed, so the next push sends only changes. */
  const pushed = async (kind: CrmKind, deals: number, reps = 5) => {
    const connection = await insertConnection(t.db, { kind });
    await seedPush(t.db, connection.id, { reps, deals });
    const double = createPushDouble(kind);
    const first = await computeAndPush(t.db, connection, double);
    expect(first.counts.pushFailed).toBe(0);
    return { connection, double, calls: double.mutatingCalls() };
  };

  it('first push: fields once, then every value rounded, reps by user id, in full batches', async () => {
    const connection = await insertConnection(t.db);
    await seedPush(t.db, connection.id, { reps: 5, deals: 150 });
    const double = createPushDouble('hubspot');
    const outcome = await computeAndPush(t.db, connection, double);
    // 1 ensureFields call creating the 10 fields, 1 rep call (5 users), 2 deal calls (100 + 50).
    expect(outcome.counts).toEqual({ pushedCalls: 4, pushedRecords: 155, pushFailed: 0 });
    expect(double.ensureCalls.map((c) => [c.specs.length, c.dryRun])).toEqual([[10, false]]);
    expect(double.writeCalls.map((c) => [c.target, c.writes.length])).toEqual([
      ['rep', 5],
      ['deal', 100],
      ['deal', 50],
    ]);
    // 85.349 % → 85.3; 50000.004 → 50000.00; 61000.129 → 61000.13; dates and text as they are.
    expect(double.value('rep', 'u1', 'salesops_quota_attainment')).toBe(85.3);
    expect(double.value('rep', 'u1', 'salesops_quota')).toBe(50000);
    expect(double.value('rep', 'u1', 'salesops_forecast_p50')).toBe(61000.13);
    expect(double.value('rep', 'u1', 'salesops_win_rate')).toBe(57.1);
    // Deal 7: win probability 20 + 7 % 50 + 0.04 = 27.04 → 27.0; entered 2026-07-08; 7 % 3 ≠ 0 → pipeline.
    expect(double.value('deal', dealId(7), WIN)).toBe(27);
    expect(double.value('deal', dealId(7), 'salesops_stage_entered_at')).toBe('2026-07-08');
    expect(double.value('deal', dealId(7), 'salesops_forecast_category')).toBe('pipeline');
    expect(await outboxSize(t.db, connection.id)).toBe(0);
    const state = await t.db
      .selectFrom('push_state')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(Number(state.n)).toBe(5 * 6 + 150 * 4);
  });

  it('a second push with nothing changed makes no call of any kind', async () => {
    const { connection, double, calls } = await pushed('hubspot', 150);
    const ensureCalls = double.ensureCalls.length;
    const second = await computeAndPush(t.db, connection, double);
    expect(second.counts).toEqual({ pushedCalls: 0, pushedRecords: 0, pushFailed: 0 });
    expect(double.mutatingCalls()).toBe(calls);
    expect(double.ensureCalls).toHaveLength(ensureCalls);
  });

  it('compares rounded values: a change below 0.1 point queues nothing, a real one does', async () => {
    const { connection, double, calls } = await pushed('hubspot', 10);
    await setDealMetric(t.db, connection.id, [dealId(1)], WIN, 21.01); // 21.04 → 21.01: still 21.0
    expect((await computeAndPush(t.db, connection, double)).counts.pushedCalls).toBe(0);
    await setDealMetric(t.db, connection.id, [dealId(1)], WIN, 21.06); // rounds to 21.1
    await t.db
      .updateTable('metric_values')
      .set({ value_numeric: null })
      .where('connection_id', '=', connection.id)
      .where('record_id', '=', 'o1')
      .where('metric', '=', 'salesops_quota_attainment')
      .execute();
    const outcome = await computeAndPush(t.db, connection, double);
    expect(outcome.counts).toEqual({ pushedCalls: 2, pushedRecords: 2, pushFailed: 0 });
    expect(double.mutatingCalls()).toBe(calls + 2);
    expect(double.value('deal', dealId(1), WIN)).toBe(21.1);
    // A quota removed in the warehouse clears the field instead of leaving a stale figure.
    expect(double.value('rep', 'u1', 'salesops_quota_attainment')).toBeNull();
  });

  for (const [kind, changed, expected] of [
    ['hubspot', 37, 1],
    ['salesforce', 37, 1],
    ['hubspot', 201, 3],
    ['salesforce', 201, 2],
  ] as const) {
    it(`${changed} deals change deal-level values only: ${expected} deal-write call(s) on ${kind}`, async () => {
      const { connection, double, calls } = await pushed(kind, 250);
      await setDealMetric(t.db, connection.id, ids(1, changed), WIN, 99);
      const outcome = await computeAndPush(t.db, connection, double);
      // ⌈changed ÷ batch max⌉: 100 on HubSpot, 200 on Salesforce; nothing for reps or fields.
      expect(outcome.counts).toEqual({ pushedCalls: expected, pushedRecords: changed, pushFailed: 0 });
      expect(double.mutatingCalls() - calls).toBe(expected);
      expect(double.writeCalls.slice(-expected).every((c) => c.target === 'deal')).toBe(true);
    });
  }

  it('a 207 partial result: the rest is written, rejections keep the reason and are retried next run', async () => {
    const { connection, double } = await pushed('hubspot', 150);
    await setDealMetric(t.db, connection.id, ids(1, 150), WIN, 99);
    for (const n of [2, 50, 120])
      double.reject.set(dealId(n), `INVALID_OPTION: value rejected for deal ${n}`);
    const run = await computeAndPush(t.db, connection, double);
    expect(run.counts).toEqual({ pushedCalls: 2, pushedRecords: 147, pushFailed: 3 });
    expect(run.partial).toBe(true);
    expect(await runRejections(t.db, run.runId)).toEqual(
      [2, 50, 120].map((n) => ({
        object: 'deal',
        recordId: dealId(n),
        field: WIN,
        reason: `INVALID_OPTION: value rejected for deal ${n}`,
      })),
    );
    const kept = await t.db
      .selectFrom('push_outbox')
      .select(['record_id', 'attempts'])
      .where('connection_id', '=', connection.id)
      .orderBy('record_id')
      .execute();
    expect(kept).toEqual([2, 50, 120].map((n) => ({ record_id: dealId(n), attempts: 1 })));

    double.reject.clear();
    const retry = await computeAndPush(t.db, connection, double);
    expect(retry.counts).toEqual({ pushedCalls: 1, pushedRecords: 3, pushFailed: 0 });
    expect(double.value('deal', dealId(50), WIN)).toBe(99);
    const attempts = await t.db
      .selectFrom('push_results')
      .select('attempt')
      .where('run_id', '=', retry.runId)
      .execute();
    expect(attempts.map((a) => a.attempt)).toEqual([2, 2, 2]);
  });

  it('a batch refused as a whole is bisected down to the one bad record', async () => {
    const { connection, double } = await pushed('hubspot', 100);
    await setDealMetric(t.db, connection.id, ids(1, 100), WIN, 99);
    double.poisoned.add(dealId(1));
    const run = await computeAndPush(t.db, connection, double);
    // The bad record is first, so it sits in every first half: 100 → 50 → 25 → 13 → 7 → 4 → 2 → 1,
    // 1 refused call of 100 plus 2 calls at each of the 7 levels (one refused, one written).
    expect(run.counts).toEqual({ pushedCalls: 15, pushedRecords: 99, pushFailed: 1 });
    expect(await runRejections(t.db, run.runId)).toEqual([
      {
        object: 'deal',
        recordId: dealId(1),
        field: WIN,
        reason: 'The CRM refused the batch: one input is malformed.',
      },
    ]);
  });

  it('a merged id: the survivor gets the value and the accepted state moves to it', async () => {
    const { connection, double } = await pushed('hubspot', 10);
    double.merged.set(dealId(5), dealId(9));
    await setDealMetric(t.db, connection.id, [dealId(5)], WIN, 77);
    const run = await computeAndPush(t.db, connection, double);
    expect(run.counts).toEqual({ pushedCalls: 1, pushedRecords: 1, pushFailed: 0 });
    expect(double.value('deal', dealId(9), WIN)).toBe(77);
    const state = await t.db
      .selectFrom('push_state')
      .select(['record_id', 'value'])
      .where('connection_id', '=', connection.id)
      .where('field', '=', WIN)
      .where('record_id', 'in', [dealId(5), dealId(9)])
      .execute();
    expect(state).toEqual([{ record_id: dealId(9), value: '77.0' }]);
    // Deal 9's own value (20 + 9 + 0.04 → 29.0) differs from what the CRM now shows: one repair write.
    const repair = await computeAndPush(t.db, connection, double);
    expect(repair.counts.pushedCalls).toBe(1);
    expect(double.value('deal', dealId(9), WIN)).toBe(29);
  });

  it('an id that vanishes from the results is kept and written on the next run', async () => {
    const { connection, double } = await pushed('hubspot', 10);
    double.vanish.add(dealId(7));
    await setDealMetric(t.db, connection.id, [dealId(7), dealId(8)], WIN, 66);
    const run = await computeAndPush(t.db, connection, double);
    expect(run.counts).toEqual({ pushedCalls: 1, pushedRecords: 1, pushFailed: 1 });
    expect((await runRejections(t.db, run.runId))[0]?.reason).toMatch(/no result for this record/);
    double.vanish.clear();
    expect((await computeAndPush(t.db, connection, double)).counts).toMatchObject({ pushedRecords: 1 });
  });

  it('a record deleted between compute and push is rejected, then dropped once the pull sees it', async () => {
    const { connection, double } = await pushed('hubspot', 10);
    await setDealMetric(t.db, connection.id, [dealId(3), dealId(4)], WIN, 55);
    double.deleted.add(dealId(3));
    const run = await computeAndPush(t.db, connection, double);
    expect(run.counts).toEqual({ pushedCalls: 1, pushedRecords: 1, pushFailed: 1 });
    expect(await runRejections(t.db, run.runId)).toEqual([
      { object: 'deal', recordId: dealId(3), field: WIN, reason: `Object not found: ${dealId(3)}.` },
    ]);
    // The next pull marks the deal deleted: its pending value leaves the outbox, no call is made.
    await t.db
      .updateTable('deals')
      .set({ is_deleted: true })
      .where('connection_id', '=', connection.id)
      .where('external_id', '=', dealId(3))
      .execute();
    const after = await computeAndPush(t.db, connection, double);
    expect(after.counts.pushedCalls).toBe(0);
    expect(await outboxSize(t.db, connection.id)).toBe(0);
  });

  it('a field deleted in the CRM is recreated once, then the values are written', async () => {
    const { connection, double, calls } = await pushed('hubspot', 10);
    double.deleteField('deal', WIN);
    await setDealMetric(t.db, connection.id, ids(1, 5), WIN, 44);
    const run = await computeAndPush(t.db, connection, double);
    // The refused write, ensureFields recreating the field, the retried write.
    expect(run.counts).toEqual({ pushedCalls: 3, pushedRecords: 5, pushFailed: 0 });
    expect(double.mutatingCalls() - calls).toBe(3);
    expect(double.fields.has(`deal.${WIN}`)).toBe(true);
    expect(double.value('deal', dealId(5), WIN)).toBe(44);
  });

  it('mappings: a field switched off is never written, a renamed one is provisioned and written', async () => {
    const { connection, double, calls } = await pushed('hubspot', 10);
    await setDealMetric(t.db, connection.id, [dealId(1)], WIN, 12);
    const row = await t.db
      .updateTable('connections')
      .set({
        settings: JSON.stringify({
          fieldMappings: { [WIN]: false, salesops_quota: 'salesops_quota_q' },
        }),
      })
      .where('id', '=', connection.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const remapped: Connection = toConnection(row);
    const run = await computeAndPush(t.db, remapped, double);
    // ensureFields creating salesops_quota_q, then one rep call for the 5 users; no deal call.
    expect(run.counts).toEqual({ pushedCalls: 2, pushedRecords: 5, pushFailed: 0 });
    expect(double.mutatingCalls() - calls).toBe(2);
    expect(double.ensureCalls.at(-1)?.specs.map((s) => s.name)).not.toContain(WIN);
    expect(double.value('rep', 'u3', 'salesops_quota_q')).toBe(50000);
    expect(double.value('deal', dealId(1), WIN)).toBe(21);
  });

  it('the periodic full resend repairs manual edits, never in a replay, then goes quiet', async () => {
    const { connection, double } = await pushed('hubspot', 10);
    double.records.get(`deal:${dealId(2)}`)?.set(WIN, 3); // an admin typed over it
    await sql`update push_connections set last_full_resend_at = now() - interval '8 days'
      where connection_id = ${connection.id}`.execute(t.db);
    expect((await computeAndPush(t.db, connection, double, { replay: true })).counts.pushedCalls).toBe(0);
    const resend = await computeAndPush(t.db, connection, double);
    // Every current value again: 1 rep call (5 users) and 1 deal call (10 deals).
    expect(resend.counts).toEqual({ pushedCalls: 2, pushedRecords: 15, pushFailed: 0 });
    expect(double.value('deal', dealId(2), WIN)).toBe(22);
    expect((await computeAndPush(t.db, connection, double)).counts.pushedCalls).toBe(0);
  });

  it('fields ensured before the first push: that first diff is no resend (a null never written stays unqueued)', async () => {
    const connection = await insertConnection(t.db);
    await seedPush(t.db, connection.id, { reps: 5, deals: 10 });
    await t.db
      .updateTable('metric_values')
      .set({ value_numeric: null })
      .where('connection_id', '=', connection.id)
      .where('record_id', '=', 'o1')
      .where('metric', '=', 'salesops_quota')
      .execute();
    const double = createPushDouble('hubspot');
    await provisionFields(t.db, connection, double, { dryRun: false });
    const first = await computeAndPush(t.db, connection, double);
    expect(first.counts).toEqual({ pushedCalls: 2, pushedRecords: 15, pushFailed: 0 });
    expect(await outboxSize(t.db, connection.id)).toBe(0);
    expect(double.ensureCalls).toHaveLength(1);
    const rep = double.writeCalls.find((c) => c.target === 'rep');
    expect(rep?.writes.find((w) => w.recordId === 'u1')?.values).not.toHaveProperty('salesops_quota');
  });

  it('a dry run previews every value and calls nothing that mutates', async () => {
    const connection = await insertConnection(t.db);
    await seedPush(t.db, connection.id, { reps: 5, deals: 10 });
    const double = createPushDouble('hubspot');
    const run = await computeAndPush(t.db, connection, double, { dryRun: true });
    expect(run.counts.pushedCalls).toBe(0);
    expect(double.writeCalls).toHaveLength(0);
    expect(double.ensureCalls.map((c) => c.dryRun)).toEqual([true]);
    expect(double.fields.size).toBe(0);
    const preview = await runPreview(t.db, run.runId);
    // 5 reps × 6 fields + 10 deals × 4 fields, none written before.
    expect(preview).toHaveLength(70);
    expect(preview).toContainEqual({
      object: 'rep',
      recordId: 'o1',
      field: 'salesops_quota_attainment',
      from: null,
      to: 85.3,
    });
    expect(preview).toContainEqual({
      object: 'deal',
      recordId: dealId(2),
      field: 'salesops_stage_entered_at',
      from: null,
      to: '2026-07-03',
    });
    expect(await outboxSize(t.db, connection.id)).toBe(70);
    const real = await computeAndPush(t.db, connection, double);
    expect(real.counts).toEqual({ pushedCalls: 3, pushedRecords: 15, pushFailed: 0 });
  });
});
