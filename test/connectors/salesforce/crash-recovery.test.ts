import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForRun } from '../../../src/app/run-sync.js';
import { requestRun } from '../../../src/warehouse/sync-runs.js';
import { enqueueStage } from '../../../workers/queues.js';
import { exited, spawnScript, waitFor } from '../../support/child-process.js';
import { createSalesforceHarness, REDIS_URL, type SalesforceHarness } from './harness.js';

const WORKER = 'test/connectors/salesforce/fixtures/sandbox-worker.ts';

/**
 * A worker syncing Salesforce is SIGKILLed at several points of the pull and another takes over:
 * each page and its (SystemModstamp, Id) checkpoint land together, so the resumed pull ends with
 * the warehouse equal to the org. 1,500 opportunities in pages of 200 at 25 ms per request.
 */
describe('Salesforce pull killed mid-way and restarted', () => {
  let h: SalesforceHarness;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    h = await createSalesforceHarness('sf_crash', { seed: 9, deals: 1_500, latencyMs: 25 });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  afterAll(() => h.close());

  const start = async () => {
    const child = await spawnScript(WORKER, {
      DATABASE_URL: h.database.url,
      REDIS_URL,
      QUEUE_PREFIX: h.prefix,
      SECRET_KEY: h.secretKey.toString('hex'),
      BATCH_SIZE: '200',
      LOCK_MS: '1000',
      STALLED_MS: '500',
    });
    children.push(child);
    return child;
  };

  const count = async (table: 'deals' | 'leads', connectionId: number) =>
    Number(
      (
        await h.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('connection_id', '=', connectionId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  const warehouseEqualsSandbox = async (connectionId: number) => {
    const rows = await h.db
      .selectFrom('deals')
      .select(['external_id', 'stage_id', 'owner_id', 'amount', 'last_modified_at', 'is_deleted'])
      .where('connection_id', '=', connectionId)
      .execute();
    const live = h.sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    expect(rows.filter((r) => !r.is_deleted)).toHaveLength(live.length);
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    for (const o of live) {
      const row = byId.get(String(o['Id']));
      expect({
        stage: row?.stage_id,
        owner: row?.owner_id,
        amount: row?.amount === null ? null : Number(row?.amount),
        at: row?.last_modified_at.getTime(),
      }).toEqual({
        stage: o['StageName'],
        owner: o['OwnerId'],
        amount: o['Amount'],
        at: o['SystemModstamp'],
      });
    }
    const leads = h.sandbox.data.records('Lead').filter((r) => r['IsDeleted'] !== true);
    expect(await count('leads', connectionId)).toBe(leads.length);
  };

  for (const [stream, after] of [
    ['deals', 1],
    ['deals', 800],
    ['leads', 400],
  ] as const) {
    it(`SIGKILL after ≥${after} ${stream} saved, then restart: the warehouse equals the org`, async () => {
      const connection = await h.addConnection(`kill-${stream}-${after}`);
      const run = await requestRun(h.db, connection.id, { push: false }, 'cli');
      await enqueueStage(h.queue, 'pull', { runId: run.runId, connectionId: connection.id });
      const first = await start();
      await waitFor(async () => (await count(stream, connection.id)) >= after, 60_000, `${stream} to land`);
      first.kill('SIGKILL');
      await exited(first);
      if (stream === 'deals') expect(await count('deals', connection.id)).toBeLessThan(1_500);
      await start();
      const final = await waitForRun(h.db, run.runId, 50);
      expect(final.error).toBeNull();
      expect(final.status).toBe('succeeded');
      await warehouseEqualsSandbox(connection.id);
    });
  }
});
