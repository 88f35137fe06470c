import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileSchedules, schedulerId } from '../../src/schedule/reconcile-schedules.js';
import { startSyncWorker } from '../../workers/sync-worker.js';
import { runCapture } from '../cli/cli-run.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { createMemoryCrm } from '../support/memory-connector.js';

describe('schedules', () => {
  let h: EngineHarness;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    h = await createEngineHarness('schedules');
    env = { DATABASE_URL: h.database.url, REDIS_URL, SALESOPS_QUEUE_PREFIX: h.prefix, LOG_LEVEL: 'silent' };
  });
  afterAll(() => h.close());

  const schedulerIds = async () => (await h.queue.getJobSchedulers(0, -1)).map((s) => s.key).sort();

  it('validates the cron expression and the time zone with a clear usage error', async () => {
    await h.connection('cron-check');
    const bad = await runCapture(['schedule', 'set', 'cron-check', '--cron', '61 * * * *'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a valid cron expression/);
    const fields = await runCapture(['schedule', 'set', 'cron-check', '--cron', 'every hour'], env);
    expect(fields.code).toBe(2);
    expect(fields.stderr).toMatch(/expects 5 fields/);
    const zone = await runCapture(
      ['schedule', 'set', 'cron-check', '--cron', '0 6 * * *', '--tz', 'Mars/Olympus'],
      env,
    );
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/IANA time zone/);
  });

  it('two workers starting at once leave exactly one scheduler per enabled schedule; pause and resume work', async () => {
    const a = await h.connection('sched-a');
    const b = await h.connection('sched-b');
    const c = await h.connection('sched-c');
    for (const [name, cron] of [
      ['sched-a', '0 6 * * *'],
      ['sched-b', '30 */2 * * *'],
      ['sched-c', '0 7 * * 1-5'],
    ] as const) {
      const set = await runCapture(
        ['schedule', 'set', name, '--cron', cron, '--tz', 'Europe/Berlin', '--json'],
        env,
      );
      expect(set.code).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ name, cron, timeZone: 'Europe/Berlin', enabled: true });
    }
    const paused = await runCapture(['schedule', 'pause', 'sched-c'], env);
    expect(paused.code).toBe(0);
    // Clear what the CLI reconciled so the workers' start-up reconciliation does the work.
    for (const id of await schedulerIds()) await h.queue.removeJobScheduler(id);

    const workerOptions = {
      db: h.database.db,
      databaseUrl: h.database.url,
      redisUrl: REDIS_URL,
      queue: h.queue,
      prefix: h.prefix,
      connections: h.connections,
      logger: h.logger,
      connectorFor: async () => createMemoryCrm({ deals: 0 }),
      concurrency: 1,
    };
    const workers = await Promise.all([startSyncWorker(workerOptions), startSyncWorker(workerOptions)]);
    try {
      expect(await schedulerIds()).toEqual([schedulerId(a.id), schedulerId(b.id)].sort());
      const list = await runCapture(['schedule', 'list', '--json'], env);
      const listed = JSON.parse(list.stdout) as { name: string; enabled: boolean; nextRun: string | null }[];
      expect(listed.filter((s) => s.name.startsWith('sched-')).map((s) => [s.name, s.enabled])).toEqual([
        ['sched-a', true],
        ['sched-b', true],
        ['sched-c', false],
      ]);

      const resumed = await runCapture(['schedule', 'resume', 'sched-c'], env);
      expect(resumed.code).toBe(0);
      expect(await schedulerIds()).toEqual([schedulerId(a.id), schedulerId(b.id), schedulerId(c.id)].sort());
      // Reconciling again, from several processes at once, changes nothing.
      await Promise.all([
        reconcileSchedules(h.database.db, h.queue),
        reconcileSchedules(h.database.db, h.queue),
      ]);
      expect(await schedulerIds()).toHaveLength(3);
      const scheduler = (await h.queue.getJobSchedulers(0, -1)).find((s) => s.key === schedulerId(b.id));
      expect(scheduler).toMatchObject({ pattern: '30 */2 * * *', tz: 'Europe/Berlin' });
    } finally {
      await Promise.all(workers.map((w) => w.close(5000)));
    }
  });
});
