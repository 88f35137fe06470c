import { Redis, type RedisOptions } from 'ioredis';
import { ServiceUnavailableError } from './service-check.js';

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

/**
 * ioredis reports a failed SELECT (an index past the server's `databases`) only as an 'error'
 * event and then carries on in database 0, where another tenant's keys may live. Every entry
 * point calls this on its connection before the first queue command. The count comes from
 * `CONFIG GET databases`; where CONFIG is disabled (managed Redis), a SELECT on a separate
 * connection decides.
 */
export async function assertRedisDatabase(redis: Redis): Promise<void> {
  const index = redis.options.db ?? 0;
  if (index === 0) return;
  const where = `${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}`;
  const count = await configuredDatabases(redis);
  if (count !== undefined) {
    if (index < count) return;
    throw new ServiceUnavailableError(
      `REDIS_URL selects database ${index}, but the Redis server at ${where} has ${count} databases (0–${count - 1}); use an index below ${count} in REDIS_URL.`,
    );
  }
  const probe = redis.duplicate({ db: 0, lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.select(index);
  } catch (error) {
    throw new ServiceUnavailableError(
      `REDIS_URL selects database ${index}, which the Redis server at ${where} refuses (${(error as Error).message}); use a database index the server has in REDIS_URL.`,
    );
  } finally {
    probe.disconnect();
  }
}

async function configuredDatabases(redis: Redis): Promise<number | undefined> {
  try {
    const reply = (await redis.config('GET', 'databases')) as unknown;
    const value = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
    return Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    // CONFIG renamed or disabled: the caller falls back to trying SELECT.
    return undefined;
  }
}
