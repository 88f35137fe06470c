import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config.js';

/**
 * The environment every demo step runs with, and the keys its own worker decrypts with. Both come
 * from one `loadConfig` over the same variables, so the CLI steps that encrypt credentials and the
 * worker that decrypts them cannot read the key differently (hex, base64 or generated).
 */
export function demoEnvironment(
  base: NodeJS.ProcessEnv,
  databaseUrl: string,
  queuePrefix: string,
): {
  env: NodeJS.ProcessEnv;
  keys: { current: Buffer; previous: readonly Buffer[] };
  generatedKey: boolean;
} {
  const generatedKey = loadConfig(base).secretKey === null;
  const env: NodeJS.ProcessEnv = {
    ...base,
    DATABASE_URL: databaseUrl,
    SALESOPS_QUEUE_PREFIX: queuePrefix,
    SALESOPS_SECRET_KEY: generatedKey ? randomBytes(32).toString('base64') : base.SALESOPS_SECRET_KEY,
    LOG_LEVEL: base.LOG_LEVEL ?? 'warn',
  };
  const config = loadConfig(env);
  return {
    env,
    keys: { current: config.secretKey as Buffer, previous: config.previousSecretKeys },
    generatedKey,
  };
}
