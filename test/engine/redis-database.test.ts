import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { assertRedisDatabase, createRedis } from '../../src/redis.js';
import { createSyncQueue } from '../../workers/queues.js';
import { startSyncWorker } from '../../workers/sync-worker.js';
import { runCapture } from '../cli/cli-run.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { createMemoryCrm } from '../support/memory-connector.js';
import { uniqueQueuePrefix } from '../support/test-db.js';

const inDb = (index: number) => {
  const url = new URL(REDIS_URL);
  url.pathname = `/${index}`;
  return url.toString();
};

describe('the database index in REDIS_URL', () => {
  let h: EngineHarness;
  let serverDatabases: number;
  beforeAll(async () => {
    h = await createEngineHarness('redis_db');
    // The server's own count, read the way an operator would (`CONFIG GET databases`).
    const [, count] = (await h.redis.config('GET', 'databases')) as [string, string];
    serverDatabases = Number(count);
  });
  afterAll(() => h.close());

  it('refuses an index the server does not have, naming the index and the count', async () => {
    await h.connection('acme');
    // A prefix of its own: the harness's queue has already written its meta under h.prefix.
    const prefix = uniqueQueuePrefix('redis_db99');
    const env = {
      DATABASE_URL: h.database.url,
      REDIS_URL: inDb(serverDatabases + 83),
      SALESOPS_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'silent',
    };
    const result = await runCapture(['sync', 'acme', '--no-push', '--json'], env);
    expect(result.code).toBe(1);
    // `error: ` is the CLI's prefix on every refusal.
    expect(result.stderr.trim()).toBe(
      `error: REDIS_URL selects database ${serverDatabases + 83}, but the Redis server at 127.0.0.1:6379 has ${serverDatabases} databases (0–${serverDatabases - 1}); use an index below ${serverDatabases} in REDIS_URL.`,
    );
    // A worker (`salesops worker`, the demo) refuses the same way before it takes any job.
    await expect(
      startSyncWorker({
        ...h.env(async () => createMemoryCrm({ deals: 1 })),
        redisUrl: inDb(serverDatabases + 83),
        prefix,
        concurrency: 1,
      }),
    ).rejects.toThrow(`REDIS_URL selects database ${serverDatabases + 83}, but the Redis server`);
    // Nothing was queued anywhere, in particular not in database 0.
    expect(await h.redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('falls back to trying SELECT where CONFIG is disabled', async () => {
    const redis = createRedis(inDb(serverDatabases + 83), 'producer');
    // Managed Redis often renames or disables CONFIG; the server then answers like this.
    redis.config = (async () => {
      throw new Error("ERR unknown command 'CONFIG'");
    }) as unknown as Redis['config'];
    try {
      await expect(assertRedisDatabase(redis)).rejects.toThrow(
        new RegExp(
          `^REDIS_URL selects database ${serverDatabases + 83}, which the Redis server at 127\\.0\\.0\\.1:6379 refuses \\(ERR DB index is out of range\\); `,
        ),
      );
    } finally {
      redis.disconnect();
    }
    const valid = createRedis(inDb(3), 'producer');
    try {
      valid.config = (async () => {
        throw new Error("ERR unknown command 'CONFIG'");
      }) as unknown as Redis['config'];
      await expect(assertRedisDatabase(valid)).resolves.toBeUndefined();
    } finally {
      valid.disconnect();
    }
  });

  it('a valid index puts every queue key in that database, none in database 0', async () => {
    const url = inDb(3);
    const prefix = uniqueQueuePrefix('redis_db3');
    const redis = createRedis(url, 'producer');
    const queue = createSyncQueue(redis, prefix);
    const db0 = new Redis(inDb(0));
    const db3 = new Redis(url);
    try {
      const summary = await runSync(
        { ...h.env(async () => createMemoryCrm({ deals: 20, pageSize: 10 })), redisUrl: url, queue, prefix },
        await h.connection('db3'),
        { push: false },
      );
      expect(summary.status).toBe('succeeded');
      // The completed stage jobs (and the workers' bookkeeping) live under the prefix in db 3.
      expect((await db3.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
      expect(await db0.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      const keys = await db3.keys(`${prefix}:*`);
      if (keys.length > 0) await db3.del(...keys);
      redis.disconnect();
      db0.disconnect();
      db3.disconnect();
    }
  });
});
