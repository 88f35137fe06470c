import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync, waitForRun } from '../../src/app/run-sync.js';
import { startSyncWorker } from '../../workers/sync-worker.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import {
  createMemoryCrm,
  type MemoryCrmOptions,
  memoryOwners,
  memoryPipelines,
} from '../support/memory-connector.js';

describe('sync engine with an in-memory CRM', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness('engine');
  });
  afterAll(() => h.close());

  const factory = (options: MemoryCrmOptions) => async () => createMemoryCrm(options);

  it('writes owners, pipelines and deals; a second sync with nothing changed changes nothing', async () => {
    const connection = await h.connection('first');
    // 250 deals in pages of 100: three pages, the last one partial.
    const options = { deals: 250, leads: 30, pageSize: 100 };
    const first = await runSync(h.env(factory(options)), connection, { push: false });
    expect(first.status).toBe('succeeded');
    expect(first.pulled).toMatchObject({ owners: 5, pipelines: 1, deals: 250, leads: 30, deleted: 0 });
    // Changed rows: 5 owners + 2 teams + 5 memberships + 1 pipeline + 5 stages + 250 deals + 30 leads.
    expect(first.pulled.changed).toBe(5 + 2 + 5 + 1 + 5 + 250 + 30);

    const deals = await h.database.db
      .selectFrom('deals')
      .select(['external_id', 'amount', 'stage_id', 'owner_id', 'close_date'])
      .where('connection_id', '=', connection.id)
      .orderBy('external_id')
      .execute();
    const expected = createMemoryCrm(options).expectedDeals();
    expect(deals).toHaveLength(250);
    const byId = new Map(deals.map((d) => [d.external_id, d]));
    for (const deal of expected) {
      const row = byId.get(deal.externalId);
      expect(row?.stage_id).toBe(deal.stageId);
      expect(row?.owner_id).toBe(deal.ownerId);
      expect(Number(row?.amount)).toBe(Number(deal.amount));
      expect(row?.close_date).toBe(deal.closeDate?.slice(0, 10));
    }
    const owners = await h.database.db
      .selectFrom('owners')
      .select(['external_id', 'active'])
      .where('connection_id', '=', connection.id)
      .execute();
    expect(owners.map((o) => o.external_id).sort()).toEqual(memoryOwners.map((o) => o.externalId).sort());
    const stages = await h.database.db
      .selectFrom('stages')
      .select('external_id')
      .where('connection_id', '=', connection.id)
      .execute();
    expect(stages).toHaveLength(memoryPipelines[0]?.stages.length ?? -1);
    const checkpoint = await h.database.db
      .selectFrom('sync_checkpoints')
      .select('checkpoint')
      .where('connection_id', '=', connection.id)
      .where('stream', '=', 'deals')
      .executeTakeFirstOrThrow();
    expect(checkpoint.checkpoint).toEqual({ index: 250 });

    const second = await runSync(h.env(factory(options)), connection, { push: false });
    expect(second.status).toBe('succeeded');
    expect(second.pulled.changed).toBe(0);
    expect(second.pulled.owners).toBe(5);
    // Incremental: the deals stream resumed at its checkpoint and found nothing new.
    expect(second.pulled.deals).toBe(0);
  });

  it('quarantines a malformed record with its reason and lands the rest', async () => {
    const connection = await h.connection('malformed');
    const result = await runSync(
      h.env(factory({ deals: 120, pageSize: 50, malformed: [7, 99] })),
      connection,
      { push: false },
    );
    expect(result.status).toBe('partial');
    expect(result.quarantined).toBe(2);
    expect(result.pulled.deals).toBe(118);
    const quarantined = await h.database.db
      .selectFrom('quarantined_records')
      .select(['external_id', 'reason', 'stream'])
      .where('connection_id', '=', connection.id)
      .orderBy('external_id')
      .execute();
    expect(quarantined.map((q) => q.external_id)).toEqual(['d100', 'd8']);
    expect(quarantined[0]?.reason).toMatch(/amount/);
    const count = await h.database.db
      .selectFrom('deals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(118);
  });

  it('ends a run deferred and resumes from the checkpoint on the next run', async () => {
    const connection = await h.connection('deferred');
    const options = { deals: 300, pageSize: 100, deferAtPage: 2 };
    const crm = createMemoryCrm(options);
    const env = h.env(async () => crm);
    const first = await runSync(env, connection, { push: false });
    expect(first.status).toBe('deferred');
    // Pages 0 and 1 were saved before the allowance ran out.
    expect(first.pulled.deals).toBe(200);
    const second = await runSync(env, connection, { push: false });
    expect(second.status).toBe('succeeded');
    // The second run's deals stream started at the saved checkpoint, not at the beginning.
    expect(crm.calls.at(-1)?.deals).toEqual({ index: 200 });
    expect(second.pulled.deals).toBe(100);
  });

  it('merges two concurrent syncs of one connection into one run', async () => {
    const connection = await h.connection('concurrent');
    const env = h.env(factory({ deals: 200, pageSize: 50, pageDelayMs: 20 }));
    const [a, b] = await Promise.all([
      runSync(env, connection, { push: false }),
      runSync(env, connection, { push: false }),
    ]);
    expect(a.runId).toBe(b.runId);
    const runs = await h.database.db
      .selectFrom('sync_runs')
      .select('id')
      .where('connection_id', '=', connection.id)
      .execute();
    expect(runs).toHaveLength(1);
  });

  it('turns a scheduled sync-request into a run that goes through every stage', async () => {
    const connection = await h.connection('scheduled');
    const worker = await startSyncWorker({
      ...h.env(factory({ deals: 40, pageSize: 20 })),
      redisUrl: REDIS_URL,
      concurrency: 1,
      reconcileOnStart: false,
    });
    try {
      // What a job scheduler enqueues on its cron tick.
      await h.queue.add('sync-request', { connectionId: connection.id });
      let runId: number | undefined;
      for (let i = 0; i < 200 && runId === undefined; i++) {
        const row = await h.database.db
          .selectFrom('sync_runs')
          .select('id')
          .where('connection_id', '=', connection.id)
          .executeTakeFirst();
        runId = row?.id;
        if (runId === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(runId).toBeDefined();
      const run = await waitForRun(h.database.db, runId as number, 25);
      expect(run.status).toBe('succeeded');
      expect(run.trigger).toBe('schedule');
      expect(Object.keys(run.timings).sort()).toEqual(['compute', 'pull', 'push', 'route']);
      expect(run.counts.deals).toBe(40);
    } finally {
      await worker.close(5000);
    }
  });
});
