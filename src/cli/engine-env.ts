import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createConnectorFactory } from '../../workers/connector-factory.js';
import { createSyncQueue } from '../../workers/queues.js';
import type { SyncEnv } from '../../workers/run-sync.js';
import { assertRedisDatabase, createRedis } from '../redis.js';
import type { CliContext } from './cli-context.js';

/**
 * The command line is the composition root: it wires the warehouse, Redis, the queue and the
 * connector factory together for the commands that drive the engine. Closed with the command.
 */
export interface EngineEnv extends SyncEnv {
  readonly redis: Redis;
  readonly queue: Queue;
}

export async function openEngine(ctx: CliContext): Promise<EngineEnv> {
  const ready = await ctx.ready();
  const redis = createRedis(ready.config.redisUrl, 'producer');
  // Before the queue exists: BullMQ writes its meta key as soon as it connects.
  try {
    await assertRedisDatabase(redis);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const queue = createSyncQueue(redis, ready.config.queuePrefix);
  ctx.onClose(async () => {
    await queue.close();
    redis.disconnect();
  });
  return {
    db: ready.db,
    databaseUrl: ready.config.databaseUrl,
    redisUrl: ready.config.redisUrl,
    prefix: ready.config.queuePrefix,
    queue,
    redis,
    connections: ready.connections,
    logger: ready.logger,
    connectorFor: createConnectorFactory({
      redis,
      queuePrefix: ready.config.queuePrefix,
      connections: ready.connections,
      logger: ready.logger,
    }),
  };
}
