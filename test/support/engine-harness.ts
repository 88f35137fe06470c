import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CrmConnector } from '../../connectors/connector.js';
import type { SyncEnv } from '../../src/app/run-sync.js';
import {
  type Connection,
  type ConnectionStore,
  createConnectionStore,
} from '../../src/connections/connection-store.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createRedis } from '../../src/redis.js';
import { createSyncQueue } from '../../workers/queues.js';
import { insertConnection } from './fixtures.js';
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from './test-db.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A private database, queue prefix and connection store for one engine suite. */
export interface EngineHarness {
  readonly database: TestDatabase;
  readonly prefix: string;
  readonly redis: Redis;
  readonly queue: Queue;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  /** The connection store's key (SALESOPS_SECRET_KEY), for suites that store real credentials. */
  readonly secretKey: Buffer;
  env(connectorFor: (connection: Connection) => Promise<CrmConnector>): SyncEnv;
  connection(name?: string): Promise<Connection>;
  close(): Promise<void>;
}

export async function createEngineHarness(label: string): Promise<EngineHarness> {
  const database = await createTestDatabase(label);
  const prefix = uniqueQueuePrefix(label);
  const redis = createRedis(REDIS_URL, 'producer');
  const queue = createSyncQueue(redis, prefix);
  const secretKey = randomBytes(32);
  const connections = createConnectionStore(database.db, { current: secretKey, previous: [] });
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  return {
    database,
    prefix,
    redis,
    queue,
    connections,
    logger,
    secretKey,
    env: (connectorFor) => ({
      db: database.db,
      databaseUrl: database.url,
      redisUrl: REDIS_URL,
      prefix,
      queue,
      connections,
      logger,
      connectorFor,
      pollMs: 50,
    }),
    connection: (name) => insertConnection(database.db, { ...(name && { name }) }),
    async close() {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await database.drop();
    },
  };
}
