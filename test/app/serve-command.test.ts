import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from '../support/test-db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('serve_command');
}, 60_000);
afterAll(async () => {
  await t?.drop();
});

/** A port the OS just handed out and released, so parallel suites do not collide. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe('salesops serve as a real process', () => {
  it('listens on --host/--port, answers /openapi.json and a 401 problem, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/app/cli-main.ts', 'serve', '--port', String(port), '--host', '127.0.0.1'],
      {
        env: {
          ...process.env,
          DATABASE_URL: t.url,
          SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
          SALESOPS_QUEUE_PREFIX: uniqueQueuePrefix('serve'),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    // No timer of its own: the test's time-out bounds the start-up (test/README: no sleeps).
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('API listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    const refused = await fetch(`${base}/connections`);
    expect(refused.status).toBe(401);
    // /healthz and /metrics without a token (DESIGN §13): both services answer here.
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ postgres: 'ok', redis: 'ok' });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain('# TYPE salesops_jobs_total counter');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toContain('shutting down the API');
  }, 60_000);
});
