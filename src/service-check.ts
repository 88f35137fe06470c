import { Redis } from 'ioredis';
import pg from 'pg';
import { DomainError } from './domain-error.js';

/**
 * Before any work: do Postgres and Redis answer within a few seconds? One sentence per failure
 * that says which service and how to start it, instead of a hang or a stack trace.
 */
export class ServiceUnavailableError extends DomainError {
  override readonly name = 'ServiceUnavailableError';
}

const HOW_TO_START = {
  postgres:
    'start it (`sudo pg_ctlcluster <version> main start`, `sudo systemctl start postgresql`, or `docker compose up -d postgres`) or point DATABASE_URL at a running server',
  redis:
    'start it (`redis-server --daemonize yes`, `sudo systemctl start redis-server`, or `docker compose up -d redis`) or point REDIS_URL at a running server',
} as const;

function where(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol.startsWith('redis') ? '6379' : '5432')}`;
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ?? e.message ?? String(error);
}

export async function checkPostgres(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    // The server answered but the database is missing: migrate will create it.
    if ((error as { code?: string }).code === '3D000') return;
    if ((error as { code?: string }).code === '28P01' || (error as { code?: string }).code === '28000') {
      throw new ServiceUnavailableError(
        `PostgreSQL at ${where(url)} refused the login in DATABASE_URL; fix the user or password there.`,
      );
    }
    throw new ServiceUnavailableError(
      `PostgreSQL is not reachable at ${where(url)} (${reason(error)}); ${HOW_TO_START.postgres}.`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export async function checkRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis reports the socket error as an event and rejects with a generic "closed".
  let lastError: unknown;
  redis.on('error', (error) => {
    lastError ??= error;
  });
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref()),
    ]);
  } catch (error) {
    throw new ServiceUnavailableError(
      `Redis is not reachable at ${where(url)} (${reason(lastError ?? error)}); ${HOW_TO_START.redis}.`,
    );
  } finally {
    redis.disconnect();
  }
}

export async function checkServices(databaseUrl: string, redisUrl: string, timeoutMs: number): Promise<void> {
  const results = await Promise.allSettled([
    checkPostgres(databaseUrl, timeoutMs),
    checkRedis(redisUrl, timeoutMs),
  ]);
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason as Error] : [],
  );
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new ServiceUnavailableError(
      `Neither PostgreSQL (${where(databaseUrl)}) nor Redis (${where(redisUrl)}) is reachable; start both (\`docker compose up -d postgres redis\` or the system packages) and run again.`,
    );
  }
}
