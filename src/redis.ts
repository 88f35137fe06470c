import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must wait out a restart (`maxRetriesPerRequest: null`, BullMQ's
 * requirement); a command-line producer should fail fast instead of hanging on a dead server.
 */
export function createRedis(url: string, role: 'worker' | 'producer', extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 3, enableOfflineQueue: true, connectTimeout: 5000 }),
    ...extra,
  });
  // Reconnection is ioredis's job; an unhandled 'error' event would crash the process instead.
  redis.on('error', () => {});
  return redis;
}
