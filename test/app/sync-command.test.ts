import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConnectorBuilder } from '../../src/app/connector-factory.js';
import { runCapture } from '../cli/cli-run.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { createMemoryCrm } from '../support/memory-connector.js';

describe('salesops sync', () => {
  let h: EngineHarness;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    h = await createEngineHarness('sync_cli');
    env = { DATABASE_URL: h.database.url, REDIS_URL, SALESOPS_QUEUE_PREFIX: h.prefix, LOG_LEVEL: 'silent' };
    // The CLI builds connectors through the registry; this suite's "CRM" is the in-memory double,
    // which defers once at its third page of deals and succeeds after.
    const crm = createMemoryCrm({ deals: 250, leads: 10, pageSize: 100, deferAtPage: 2 });
    registerConnectorBuilder('hubspot', async () => crm);
  });
  afterAll(() => h.close());

  it('prints one JSON summary, exits 3 when deferred, and 0 when the next run resumes and finishes', async () => {
    await h.connection('acme');
    const first = await runCapture(['sync', 'acme', '--no-push', '--json'], env);
    expect(first.code).toBe(3);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'deferred', pulled: { owners: 5, deals: 200 }, quarantined: 0 });
    expect(Object.keys(summary).sort()).toEqual([
      'durationMs',
      'pulled',
      'pushed',
      'quarantined',
      'runId',
      'status',
    ]);

    const second = await runCapture(['sync', 'acme', '--no-push', '--json'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      status: 'succeeded',
      pulled: { deals: 50, leads: 10 },
    });
    // The in-process worker closed with the command: nothing is left serving the queue.
    expect(await h.queue.getWorkers()).toHaveLength(0);
  });

  it('fails with exit code 1 and one sentence when no worker starts the run within --start-timeout', async () => {
    await h.connection('stuck');
    // A paused queue hands no job to any worker, as a worker pool on another prefix would.
    await h.queue.pause();
    try {
      const result = await runCapture(['sync', 'stuck', '--no-push', '--start-timeout', '0.2'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /Failed: No worker started run \d+ within 0\.2 s; check that the workers/,
      );
    } finally {
      await h.queue.resume();
    }
  });

  it('refuses a --start-timeout that is not a positive number of seconds, with exit code 2', async () => {
    const result = await runCapture(['sync', 'acme', '--start-timeout', 'soon'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--start-timeout expects a number of seconds/);
  });

  it('says which connection is unknown, with exit code 1', async () => {
    const result = await runCapture(['sync', 'nope'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No connection is named "nope"/);
  });

  it('refuses a malformed --as-of with exit code 2', async () => {
    const result = await runCapture(['sync', 'acme', '--as-of', '2026-02-30'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--as-of expects a date/);
  });
});
