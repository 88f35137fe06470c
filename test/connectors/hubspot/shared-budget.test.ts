import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRun } from '../../../src/app/run-sync.js';
import { requestRun } from '../../../src/warehouse/sync-runs.js';
import { enqueueStage } from '../../../workers/queues.js';
import { createHubspotHarness, type HubspotHarness, REDIS_URL } from './harness.js';

/**
 * Two `salesops worker` processes sync two connections of one portal at once against a sandbox
 * that allows 100 requests per rolling 10 s. Sized so the pair wants ~200 requests: past one
 * window's worth, so the shared per-portal budget has to hold them back. A first sync of 8,000
 * deals and 400 contacts is ~80 deal list pages, a few history reads (the stage calculated
 * properties answer most deals), 4 contact pages, 8 contact history reads and 6 others: ~100.
 */
describe('two worker processes, two connections, one portal limited to 100 per 10 s', () => {
  let h: HubspotHarness;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    h = await createHubspotHarness('hs_budget', { seed: 5, deals: 8_000, contacts: 400, rateLimit: 100 });
  });
  afterAll(async () => {
    for (const child of workers) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
    await h.close();
  });

  function startWorker(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/app/cli-main.ts', 'worker', '--concurrency', '1'],
      {
        env: {
          ...process.env,
          DATABASE_URL: h.database.url,
          REDIS_URL,
          SALESOPS_QUEUE_PREFIX: h.prefix,
          SALESOPS_SECRET_KEY: h.secretKey,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    workers.push(child);
    return new Promise((resolve, reject) => {
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('worker started')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${log.slice(-2000)}`)));
    });
  }

  it('never lets a rolling window exceed 100 requests and keeps 429s under 1%', async () => {
    await Promise.all([startWorker(), startWorker()]);
    const a = await h.addConnection('portal-a', { tier: 'free' });
    const b = await h.addConnection('portal-b', { tier: 'free' });
    h.sandbox.resetRequests();
    const runs = await Promise.all(
      [a, b].map(async (connection) => {
        const run = await requestRun(h.database.db, connection.id, { push: false }, 'cli');
        await enqueueStage(h.queue, 'pull', { runId: run.runId, connectionId: connection.id });
        return run.runId;
      }),
    );
    const finished = await Promise.all(runs.map((runId) => waitForRun(h.database.db, runId, 100)));
    expect(finished.map((r) => [r.status, r.error])).toEqual([
      ['succeeded', null],
      ['succeeded', null],
    ]);
    // Both runs landed the whole portal.
    for (const run of finished) expect(run.counts.deals).toBe([...h.sandbox.data.deals()].length);

    const requests = h.sandbox.requests.filter((r) => !r.search).map((r) => r.at);
    expect(requests.length).toBeGreaterThan(150);
    let worst = 0;
    for (let i = 0, j = 0; i < requests.length; i++) {
      while (requests[j]! <= requests[i]! - 10_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(100);
    const all = h.sandbox.requests;
    const limited = all.filter((r) => r.status === 429).length;
    expect(limited / all.length).toBeLessThanOrEqual(0.01);
  }, 120_000);
});
