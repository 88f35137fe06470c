import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { createOperationsRoutes } from '../../src/observability/operations-routes.js';
import { REDIS_URL } from '../support/engine-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/** /healthz: 200 when Postgres and Redis both answer, 503 naming the one that does not. */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('ometrics_healthz');
});
afterAll(async () => {
  await database?.drop();
});

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

async function get(routes: ReturnType<typeof createOperationsRoutes>, path: string) {
  const server = await startMetricsServer(routes, 0, '127.0.0.1');
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: response.status, body: await response.text() };
  } finally {
    await server.close();
  }
}

it('answers 200 {postgres:"ok",redis:"ok"} when both answer a ping', async () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    const routes = createOperationsRoutes({ db: database.db, redis });
    const { status, body } = await get(routes, '/healthz');
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ postgres: 'ok', redis: 'ok' });
  } finally {
    redis.disconnect();
  }
});

it('answers 503 naming Redis when Redis is on a closed port, Postgres still ok', async () => {
  const redis = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    const routes = createOperationsRoutes({ db: database.db, redis, healthTimeoutMs: 500 });
    const { status, body } = await get(routes, '/healthz');
    expect(status).toBe(503);
    const parsed = JSON.parse(body) as { postgres: string; redis: string };
    expect(parsed.postgres).toBe('ok');
    expect(parsed.redis).not.toBe('ok');
  } finally {
    redis.disconnect();
  }
});

it('answers 503 naming Redis when its ping never returns within the timeout', async () => {
  const routes = createOperationsRoutes({
    db: database.db,
    redis: { ping: () => new Promise(() => {}) },
    healthTimeoutMs: 50,
  });
  expect(await routes.checkHealth()).toEqual({
    status: 503,
    body: { postgres: 'ok', redis: 'no answer within 50 ms' },
  });
});

it('answers 404 with the two routes it serves for any other path', async () => {
  const redis = { ping: async () => 'PONG' };
  const { status, body } = await get(createOperationsRoutes({ db: database.db, redis }), '/');
  expect(status).toBe(404);
  expect(body).toContain('/metrics and /healthz');
});
