import { createSyncQueue } from '../../workers/queues.js';
import type { CliContext } from '../cli/cli-context.js';
import type { EngineEnv } from '../cli/engine-env.js';
import { assertRedisDatabase, createRedis } from '../redis.js';
import { createConnectorFactory } from './connector-factory.js';

/**
 * The composition root of the commands that drive the engine: it wires the warehouse, Redis, the
 * queue and the connector factory together, and hands them to the CLI through the context
 * (run-cli.ts loads this file only when a command opens the engine). Closed with the command.
 */
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
