import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { summarize, waitForRun } from '../../src/app/run-sync.js';
import { requestRun } from '../../src/warehouse/sync-runs.js';
import { enqueueStage } from '../../workers/queues.js';
import { exited, spawnScript, waitFor } from '../support/child-process.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { createMemoryCrm, type MemoryCrmOptions } from '../support/memory-connector.js';

const WORKER = 'test/engine/fixtures/memory-worker.ts';

describe('a worker killed or stopped mid-pull', () => {
  let h: EngineHarness;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    h = await createEngineHarness('crash');
  });
  // Each test owns its worker processes: leftovers would serve the next test's queue.
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  afterAll(() => h.close());

  // 600 deals in pages of 50 at 40 ms a page: a pull of ~0.5 s that a kill can land inside.
  const crm: MemoryCrmOptions = { deals: 600, pageSize: 50, pageDelayMs: 40 };
  const start = async (extra: Record<string, string> = {}) => {
    const child = await spawnScript(WORKER, {
      DATABASE_URL: h.database.url,
      REDIS_URL,
      QUEUE_PREFIX: h.prefix,
      MEMORY_CRM: JSON.stringify(crm),
      // Short BullMQ locks so a killed worker's job is handed over in about a second.
      LOCK_MS: '1000',
      STALLED_MS: '500',
      ...extra,
    });
    children.push(child);
    return child;
  };

  const dealCount = async (connectionId: number) =>
    Number(
      (
        await h.database.db
          .selectFrom('deals')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('connection_id', '=', connectionId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** The checkpoint must never be ahead of the rows it covers. */
  const checkpointBehindData = async (connectionId: number) => {
    const cp = await h.database.db
      .selectFrom('sync_checkpoints')
      .select('checkpoint')
      .where('connection_id', '=', connectionId)
      .where('stream', '=', 'deals')
      .executeTakeFirst();
    const index = (cp?.checkpoint as { index?: number } | null)?.index ?? 0;
    expect(await dealCount(connectionId)).toBeGreaterThanOrEqual(index);
  };

  const warehouseEqualsCrm = async (connectionId: number) => {
    const rows = await h.database.db
      .selectFrom('deals')
      .select(['external_id', 'amount', 'stage_id', 'owner_id'])
      .where('connection_id', '=', connectionId)
      .execute();
    const expected = createMemoryCrm(crm).expectedDeals();
    expect(rows).toHaveLength(expected.length);
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    for (const deal of expected) {
      expect(byId.get(deal.externalId)).toMatchObject({ stage_id: deal.stageId, owner_id: deal.ownerId });
    }
  };

  for (const killAfterDeals of [1, 150, 400]) {
    it(`SIGKILL after ≥${killAfterDeals} deals saved, then restart: the warehouse equals the CRM and the summary counts both attempts`, async () => {
      const connection = await h.connection(`kill-${killAfterDeals}`);
      const run = await requestRun(h.database.db, connection.id, { push: false }, 'cli');
      await enqueueStage(h.queue, 'pull', { runId: run.runId, connectionId: connection.id });
      const first = await start();
      await waitFor(async () => (await dealCount(connection.id)) >= killAfterDeals, 20_000, 'deals to land');
      first.kill('SIGKILL');
      await exited(first);
      await checkpointBehindData(connection.id);
      expect(await dealCount(connection.id)).toBeLessThan(600);

      await start();
      const final = await waitForRun(h.database.db, run.runId, 50);
      expect(final.status).toBe('succeeded');
      await checkpointBehindData(connection.id);
      await warehouseEqualsCrm(connection.id);
      // Every deal was read exactly once across the two processes (the resumed pull starts
      // after the last committed page), so the run's count is the CRM's: 600, from `crm`.
      expect(summarize(final).pulled.deals).toBe(crm.deals);
    });
  }

  it('SIGTERM during a job: it finishes or is retried, and nothing is lost', async () => {
    const connection = await h.connection('sigterm');
    const run = await requestRun(h.database.db, connection.id, { push: false }, 'cli');
    await enqueueStage(h.queue, 'pull', { runId: run.runId, connectionId: connection.id });
    // A grace period shorter than the pull: the job is released mid-way and resumed elsewhere.
    const first = await start({ GRACE_MS: '100' });
    await waitFor(async () => (await dealCount(connection.id)) >= 100, 20_000, 'deals to land');
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    await checkpointBehindData(connection.id);
    await start();
    const final = await waitForRun(h.database.db, run.runId, 50);
    expect(final.status).toBe('succeeded');
    await warehouseEqualsCrm(connection.id);
  });

  it('two worker processes sync two connections in parallel', async () => {
    const a = await h.connection('parallel-a');
    const b = await h.connection('parallel-b');
    // Both workers are listening before any job exists, each taking one job at a time.
    await Promise.all([start(), start()]);
    const runs = [];
    for (const c of [a, b]) {
      const run = await requestRun(h.database.db, c.id, { push: false }, 'cli');
      runs.push(run.runId);
      await enqueueStage(h.queue, 'pull', { runId: run.runId, connectionId: c.id });
    }
    const [ra, rb] = await Promise.all(runs.map((id) => waitForRun(h.database.db, id, 50)));
    expect(ra?.status).toBe('succeeded');
    expect(rb?.status).toBe('succeeded');
    // Parallel: each run started before the other finished. Each worker takes one job at a
    // time and a pull lasts ~0.5 s, so one worker alone could only have run them back to back.
    expect(ra!.started_at!.getTime()).toBeLessThan(rb!.finished_at!.getTime());
    expect(rb!.started_at!.getTime()).toBeLessThan(ra!.finished_at!.getTime());
  });
});
