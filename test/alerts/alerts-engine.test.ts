import type { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector-error.js';
import type { DeliveryIo } from '../../src/alerts/post-alert.js';
import { runSync } from '../../src/app/run-sync.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { addAlertDestination } from '../../src/warehouse/alerts.js';
import { setSchedule } from '../../src/warehouse/schedules.js';
import { addRunCounts, getRun } from '../../src/warehouse/sync-runs.js';
import { alertDeliverJobId, createAlertQueue } from '../../workers/alert-queue.js';
import type { StageImpls } from '../../workers/stages.js';
import { type SyncWorker, startSyncWorker } from '../../workers/sync-worker.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

/**
 * Alerts end to end: real runs through the queue (stub stages decide each connection's outcome),
 * the alerts queue's own worker evaluating after each run and delivering to a local receiver.
 * The clock of the evaluations and the pauses between delivery attempts are injected.
 */
type Outcome = 'ok' | 'fail' | 'defer' | 'spike';
const HOUR = 3_600_000;

describe('alerts through the engine', () => {
  let h: EngineHarness;
  let worker: SyncWorker;
  let alertQueue: Queue;
  const outcomes = new Map<number, Outcome>();
  let clock: Date | null = null;
  const pauses: number[] = [];
  const done = new Map<string, unknown>();
  const waiters = new Map<string, (result: unknown) => void>();

  const stages: StageImpls = {
    async pull(ctx) {
      const outcome = outcomes.get(ctx.connection.id) ?? 'ok';
      if (outcome === 'fail') throw new ConnectorError('auth', 'HubSpot refused the access token.');
      if (outcome === 'defer')
        throw new ConnectorError('deferred', "HubSpot's daily API allowance is spent.");
      // 98 deals saved and 2 quarantined: 2 of 100 records, 2% (> 1%); a clean run reads 100.
      const counts = outcome === 'spike' ? { deals: 98, quarantined: 2 } : { deals: 100 };
      await addRunCounts(ctx.db, ctx.runId, counts);
      return { counts: {}, partial: outcome === 'spike' };
    },
    route: async () => ({ counts: {} }),
    compute: async () => ({ counts: {} }),
    push: async () => ({ counts: {} }),
  };

  const delivery: DeliveryIo = {
    fetch: (input, init) => fetch(input, init),
    sleep: async (ms) => {
      pauses.push(ms);
    },
  };

  /** Resolves with a job's result once the alerts worker completed it (before or after this call). */
  const completed = (jobId: string): Promise<unknown> =>
    done.has(jobId)
      ? Promise.resolve(done.get(jobId))
      : new Promise((resolve) => waiters.set(jobId, resolve));

  beforeAll(async () => {
    h = await createEngineHarness('alerts_engine');
    alertQueue = createAlertQueue(h.redis, h.prefix);
    worker = await startSyncWorker({
      db: h.database.db,
      databaseUrl: h.database.url,
      redisUrl: REDIS_URL,
      queue: h.queue,
      prefix: h.prefix,
      connections: h.connections,
      logger: h.logger,
      connectorFor: () => Promise.reject(new Error('the stub stages need no connector')),
      stages,
      concurrency: 2,
      alerts: {
        now: () => clock ?? new Date(),
        delivery,
        // A receiver that never answers is given up on after 3 s per attempt.
        policy: { attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000, timeoutMs: 3000 },
        sweepEveryMs: null,
      },
    });
    const alerts = worker.alerts;
    if (!alerts) throw new Error('the worker started no alerts worker');
    alerts.on('completed', (job: Job, result: unknown) => {
      const id = job.id as string;
      done.set(id, result);
      waiters.get(id)?.(result);
    });
  });
  afterAll(async () => {
    await worker?.close(0);
    await alertQueue?.close();
    await h?.close();
  });

  interface Evaluated {
    readonly events: readonly { kind: string }[];
    readonly deliveries: readonly { id: number; key: string }[];
  }

  /** One run of the connection, its alert evaluation and every delivery it made, all finished. */
  async function sync(connection: Connection, outcome: Outcome) {
    outcomes.set(connection.id, outcome);
    const summary = await runSync(
      h.env(async () => Promise.reject(new Error('unused'))),
      connection,
      {
        push: false,
      },
    );
    const run = await getRun(h.database.db, summary.runId);
    const evaluated = (await completed(`alert-evaluate-${summary.runId}-${run?.run_key}`)) as Evaluated;
    const deliveries = await Promise.all(evaluated.deliveries.map((d) => completed(alertDeliverJobId(d))));
    return { summary, kinds: evaluated.events.map((e) => e.kind), deliveries };
  }

  async function withReceiver(name: string): Promise<{ connection: Connection; receiver: WebhookReceiver }> {
    const connection = await h.connection(name);
    const receiver = await startWebhookReceiver();
    await addAlertDestination(h.database.db, connection.id, receiver.url);
    return { connection, receiver };
  }

  const deliveriesOf = (connectionId: number) =>
    h.database.db
      .selectFrom('alert_deliveries')
      .select(['kind', 'attempts', 'delivered_at', 'gave_up_at'])
      .where('connection_id', '=', connectionId)
      .orderBy('id')
      .execute();

  it('a connection failing three runs in a row sends one message; recovering sends one', async () => {
    const { connection, receiver } = await withReceiver('fails-thrice');
    try {
      expect((await sync(connection, 'ok')).kinds).toEqual([]);
      const failures = [];
      for (let i = 0; i < 3; i++) failures.push(await sync(connection, 'fail'));
      expect(failures.map((f) => f.summary.status)).toEqual(['failed', 'failed', 'failed']);
      expect(failures.map((f) => f.kinds)).toEqual([['failed'], [], []]);
      expect(receiver.bodies).toHaveLength(1);
      expect(receiver.bodies[0]).toMatchObject({
        text: ':red_circle: Sync of "fails-thrice" failed: HubSpot refused the access token.',
      });
      const back = await sync(connection, 'ok');
      expect(back.kinds).toEqual(['recovered']);
      expect(receiver.bodies).toHaveLength(2);
      expect((receiver.bodies[1] as { text: string }).text).toBe(
        ':large_green_circle: Sync of "fails-thrice" recovered: the last run succeeded after being failed.',
      );
      expect(
        (await deliveriesOf(connection.id)).map((d) => [d.kind, d.attempts, d.delivered_at !== null]),
      ).toEqual([
        ['failed', 1, true],
        ['recovered', 1, true],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('a deferred run sends one message; a quarantine spike sends one, a second spike in a row none', async () => {
    const { connection, receiver } = await withReceiver('spiky');
    try {
      expect((await sync(connection, 'defer')).kinds).toEqual(['deferred']);
      const spike = await sync(connection, 'spike');
      expect(spike.summary.status).toBe('partial');
      expect(spike.kinds).toEqual(['recovered', 'quarantine_spike']);
      expect((await sync(connection, 'spike')).kinds).toEqual([]);
      expect(receiver.bodies.map((b) => (b as { text: string }).text)).toEqual([
        ':large_yellow_circle: Sync of "spiky" is deferred: the CRM\'s daily API allowance is spent; the next run resumes.',
        ':large_green_circle: Sync of "spiky" recovered: the last run succeeded after being deferred.',
        `:warning: "spiky" quarantined 2 of 100 records (2.0%) in one run; see \`salesops runs show ${spike.summary.runId}\`.`,
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('a schedule missed twice sends one stale message (clock injected, the 5-minute sweep run by hand)', async () => {
    const { connection, receiver } = await withReceiver('goes-stale');
    try {
      await setSchedule(h.database.db, connection.id, '0 * * * *', 'UTC');
      await sync(connection, 'ok');
      const state = await h.database.db
        .selectFrom('alert_state')
        .select('last_success_at')
        .where('connection_id', '=', connection.id)
        .executeTakeFirstOrThrow();
      const success = (state.last_success_at as Date).getTime();
      let sweeps = 0;
      const sweepAt = async (ms: number) => {
        clock = new Date(success + ms);
        const id = `sweep-${++sweeps}`;
        await alertQueue.add('alert-sweep', {}, { jobId: id });
        return completed(id);
      };
      // Hourly: the interval is 1 h, so stale is more than 2 h after the last success.
      await sweepAt(HOUR);
      await sweepAt(2 * HOUR);
      expect(await deliveriesOf(connection.id)).toEqual([]);
      await sweepAt(2 * HOUR + 60_000);
      const [stale] = await receiver.received(1);
      expect((stale as { text: string }).text).toBe(
        `:warning: "goes-stale" is stale: no successful sync since ${new Date(success).toISOString().replace(/\.\d{3}Z$/, 'Z')} (scheduled every 1 h); is a \`salesops worker\` running?`,
      );
      await sweepAt(3 * HOUR);
      await sweepAt(24 * HOUR);
      expect((await deliveriesOf(connection.id)).map((d) => d.kind)).toEqual(['stale']);
      expect(receiver.bodies).toHaveLength(1);
    } finally {
      clock = null;
      await receiver.close();
    }
  });

  it('a receiver answering 500 twice then 200 gets the message on the third attempt', async () => {
    const { connection, receiver } = await withReceiver('flaky-receiver');
    try {
      receiver.script(500, 500, 200);
      pauses.length = 0;
      const failed = await sync(connection, 'fail');
      expect(failed.deliveries).toEqual([
        { delivered: true, attempts: 3, error: null, pausesMs: [1000, 2000] },
      ]);
      expect(pauses).toEqual([1000, 2000]);
      expect(receiver.bodies).toHaveLength(3);
      expect(
        (await deliveriesOf(connection.id)).map((d) => [d.kind, d.attempts, d.delivered_at !== null]),
      ).toEqual([['failed', 3, true]]);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that never answers does not delay the run: the run is final while the delivery waits', async () => {
    const { connection, receiver } = await withReceiver('dead-receiver');
    try {
      receiver.script('hang');
      outcomes.set(connection.id, 'fail');
      const summary = await runSync(
        h.env(async () => Promise.reject(new Error('unused'))),
        connection,
        {
          push: false,
        },
      );
      expect(summary.status).toBe('failed');
      // The run is final, and its message is not delivered: the first attempt waits up to 3 s.
      expect((await deliveriesOf(connection.id)).filter((d) => d.delivered_at !== null)).toEqual([]);
      await receiver.received(1);
      const run = await getRun(h.database.db, summary.runId);
      expect(run?.status).toBe('failed');
      expect(run?.finished_at).not.toBeNull();
      // The second attempt, after the first timed out, is answered 200.
      const evaluated = (await completed(`alert-evaluate-${summary.runId}-${run?.run_key}`)) as Evaluated;
      const [result] = await Promise.all(evaluated.deliveries.map((d) => completed(alertDeliverJobId(d))));
      expect(result).toEqual({ delivered: true, attempts: 2, error: null, pausesMs: [1000] });
    } finally {
      await receiver.close();
    }
  });
});
