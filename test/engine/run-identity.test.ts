import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { createConnectionStore } from '../../src/connections/connection-store.js';
import { getRun } from '../../src/warehouse/sync-runs.js';
import { createEngineHarness, type EngineHarness } from '../support/engine-harness.js';
import { insertConnection } from '../support/fixtures.js';
import { createMemoryCrm } from '../support/memory-connector.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

describe('run identity across a database reset, and a job that never starts', () => {
  let h: EngineHarness;
  let recreated: TestDatabase | undefined;
  beforeAll(async () => {
    h = await createEngineHarness('run_identity');
  });
  afterAll(async () => {
    await recreated?.drop();
    await h.close();
  });

  const crm = { deals: 30, pageSize: 10 };
  const connector = async () => createMemoryCrm(crm);

  it('a recreated database restarts run ids at 1, yet its first sync runs instead of matching the old job', async () => {
    const before = await runSync(h.env(connector), await h.connection('reset'), { push: false });
    expect(before.status).toBe('succeeded');

    // Same Redis queue (prefix), fresh warehouse: the sequence behind sync_runs.id starts over.
    recreated = await createTestDatabase('run_identity_reset');
    const connections = createConnectionStore(recreated.db, { current: h.secretKey, previous: [] });
    const connection = await insertConnection(recreated.db, { name: 'reset' });
    const after = await runSync(
      {
        ...h.env(connector),
        db: recreated.db,
        databaseUrl: recreated.url,
        connections,
        startTimeoutMs: 10_000,
      },
      connection,
      { push: false },
    );
    expect(after.runId).toBe(before.runId);
    expect(after.status).toBe('succeeded');
    // 30 deals from `crm`: the new run read them itself rather than reporting the old job.
    expect(after.pulled.deals).toBe(crm.deals);
  }, 30_000);

  it('a sync whose pull never starts fails after the bound with one sentence, and frees the connection', async () => {
    const connection = await h.connection('never-starts');
    // A paused queue hands no job to any worker: the run stays queued.
    await h.queue.pause();
    try {
      const summary = await runSync({ ...h.env(connector), startTimeoutMs: 300 }, connection, {
        push: false,
      });
      expect(summary.status).toBe('failed');
      expect(summary.error).toMatch(/^No worker started run \d+ within 0\.3 s; .+\.$/);
      expect((await getRun(h.database.db, summary.runId))?.status).toBe('failed');
    } finally {
      await h.queue.resume();
    }
    // The stuck run no longer blocks the connection: the next sync is a new run that finishes.
    const next = await runSync(h.env(connector), connection, { push: false });
    expect(next.status).toBe('succeeded');
  }, 30_000);
});
