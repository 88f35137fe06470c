import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, decodeKey, loadConfig } from '../src/config.js';

const key = randomBytes(32);

/** Runs loadConfig expecting a ConfigError and returns it (fails the test otherwise). */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe('loadConfig', () => {
  it('works with an empty environment, defaulting to the local services', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/salesops');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.secretKey).toBeNull();
    expect(config.previousSecretKeys).toEqual([]);
    expect(config.logLevel).toBe('info');
    expect(config.queuePrefix).toBe('{salesops}');
    expect(config.serviceTimeoutMs).toBe(3000);
    expect(config.workerConcurrency).toBe(4);
    expect(config.shutdownGraceMs).toBe(30_000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty strings as unset, the way shells and compose files produce them', () => {
    const config = loadConfig({ DATABASE_URL: '', SALESOPS_SECRET_KEY: '', LOG_LEVEL: '' });
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/salesops');
    expect(config.secretKey).toBeNull();
    expect(config.logLevel).toBe('info');
  });

  it('reads and coerces explicit values', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app:pw@db.internal:6543/warehouse',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      LOG_LEVEL: 'debug',
      SALESOPS_QUEUE_PREFIX: '{acme}',
      SALESOPS_SERVICE_TIMEOUT_MS: '1500',
      SALESOPS_WORKER_CONCURRENCY: '8',
      SALESOPS_SHUTDOWN_GRACE_MS: '0',
    });
    expect(config.databaseUrl).toBe('postgresql://app:pw@db.internal:6543/warehouse');
    expect(config.redisUrl).toBe('rediss://cache.internal:6380/2');
    expect(config.logLevel).toBe('debug');
    expect(config.queuePrefix).toBe('{acme}');
    expect(config.serviceTimeoutMs).toBe(1500);
    expect(config.workerConcurrency).toBe(8);
    expect(config.shutdownGraceMs).toBe(0);
  });

  it('names every bad variable in one error', () => {
    const error = configError({
      DATABASE_URL: 'mysql://localhost/app',
      REDIS_URL: 'not a url',
      LOG_LEVEL: 'chatty',
    });
    expect(error.problems).toHaveLength(3);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL']) expect(error.message).toContain(name);
    // One sentence a person can act on, not a dump.
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/^The environment is not valid: .*run again\.$/);
  });

  it('rejects a database URL without a database name and a queue prefix without a hash tag', () => {
    const error = configError({
      DATABASE_URL: 'postgres://127.0.0.1:5432/',
      SALESOPS_QUEUE_PREFIX: 'salesops',
      SALESOPS_WORKER_CONCURRENCY: '0',
    });
    expect(error.problems.map((problem) => problem.split(' ')[0]).sort()).toEqual([
      'DATABASE_URL',
      'SALESOPS_QUEUE_PREFIX',
      'SALESOPS_WORKER_CONCURRENCY',
    ]);
  });
});

describe('secret keys', () => {
  it('decodes a 32-byte key from base64, base64url and hex to the same bytes', () => {
    expect(decodeKey(key.toString('base64'))).toEqual(key);
    expect(decodeKey(key.toString('base64url'))).toEqual(key);
    expect(decodeKey(key.toString('hex'))).toEqual(key);
    expect(decodeKey(key.toString('hex').toUpperCase())).toEqual(key);
    expect(decodeKey(`  ${key.toString('base64')}\n`)).toEqual(key);
  });

  it('loads the current key and the previous keys', () => {
    const old1 = randomBytes(32);
    const old2 = randomBytes(32);
    const config = loadConfig({
      SALESOPS_SECRET_KEY: key.toString('base64'),
      SALESOPS_PREVIOUS_SECRET_KEYS: `${old1.toString('hex')}, ${old2.toString('base64')}`,
    });
    expect(config.secretKey).toEqual(key);
    expect(config.previousSecretKeys).toEqual([old1, old2]);
  });

  it.each([
    ['a passphrase', 'correct horse battery staple'],
    ['16 bytes of base64', randomBytes(16).toString('base64')],
    ['31 bytes of hex', randomBytes(31).toString('hex')],
    ['64 chars that are not hex', 'g'.repeat(64)],
  ])('rejects %s', (_label, value) => {
    expect(decodeKey(value)).toBeNull();
    const error = configError({ SALESOPS_SECRET_KEY: value });
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('SALESOPS_SECRET_KEY');
    expect(error.message).toContain('openssl rand -base64 32');
    // The bad value itself is never echoed back: it may be a real secret with a typo.
    expect(error.message).not.toContain(value);
  });

  it('rejects a bad entry among the previous keys', () => {
    const error = configError({ SALESOPS_PREVIOUS_SECRET_KEYS: `${key.toString('hex')},short` });
    expect(error.message).toContain('SALESOPS_PREVIOUS_SECRET_KEYS');
  });
});
