import { z } from 'zod';
import { InvalidInputError } from './domain-error.js';

/**
 * The whole environment contract in one schema, parsed once and frozen. Defaults point at the
 * local services every developer machine runs, so `salesops migrate` works with no setup.
 */
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1;
  } catch {
    return false;
  }
}, 'must be a postgres://user@host:port/database URL');

const redisUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'redis:' || url.protocol === 'rediss:';
  } catch {
    return false;
  }
}, 'must be a redis://host:port[/db] URL');

const secretKey = z
  .string()
  .optional()
  .refine((value) => value === undefined || value === '' || decodeKey(value) !== null, {
    message: 'must be 32 random bytes, base64 or hex (generate one with `openssl rand -base64 32`)',
  });

const envSchema = z.object({
  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/salesops'),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  SALESOPS_SECRET_KEY: secretKey,
  /** Comma-separated earlier keys, still accepted for decryption while credentials are re-encrypted. */
  SALESOPS_PREVIOUS_SECRET_KEYS: z
    .string()
    .optional()
    .refine(
      (value) =>
        value === undefined ||
        value === '' ||
        value.split(',').every((key) => decodeKey(key.trim()) !== null),
      { message: 'must be comma-separated 32-byte keys, base64 or hex' },
    ),
  LOG_LEVEL: logLevel.default('info'),
  /** Hash-tagged so every queue key lands in one Redis Cluster slot. */
  SALESOPS_QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$/, 'must be a hash tag such as {salesops}')
    .default('{salesops}'),
  SALESOPS_SERVICE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  SALESOPS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SALESOPS_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
});

export interface Config {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** Current key, or null when none is configured (commands needing credentials then refuse). */
  readonly secretKey: Buffer | null;
  readonly previousSecretKeys: readonly Buffer[];
  readonly logLevel: z.infer<typeof logLevel>;
  readonly queuePrefix: string;
  readonly serviceTimeoutMs: number;
  readonly workerConcurrency: number;
  readonly shutdownGraceMs: number;
}

export class ConfigError extends InvalidInputError {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`The environment is not valid: ${problems.join('; ')}; fix these variables and run again.`);
  }
}

/** 32 bytes from base64 (44 chars) or hex (64 chars); null when it is neither. */
export function decodeKey(value: string): Buffer | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(
      trimmed,
      trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64',
    );
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset" the way shells and compose files produce them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    secretKey: e.SALESOPS_SECRET_KEY ? decodeKey(e.SALESOPS_SECRET_KEY) : null,
    previousSecretKeys: Object.freeze(
      (e.SALESOPS_PREVIOUS_SECRET_KEYS ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key.length > 0)
        .map((key) => decodeKey(key) as Buffer),
    ),
    logLevel: e.LOG_LEVEL,
    queuePrefix: e.SALESOPS_QUEUE_PREFIX,
    serviceTimeoutMs: e.SALESOPS_SERVICE_TIMEOUT_MS,
    workerConcurrency: e.SALESOPS_WORKER_CONCURRENCY,
    shutdownGraceMs: e.SALESOPS_SHUTDOWN_GRACE_MS,
  });
}
