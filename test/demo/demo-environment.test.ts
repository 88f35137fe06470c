import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { demoEnvironment } from '../../src/demo/demo-environment.js';

/**
 * The demo's CLI steps encrypt credentials with SALESOPS_SECRET_KEY as loadConfig reads it; its
 * own worker must decrypt with exactly those bytes, whichever way the key is written.
 */
describe('demo environment and keys', () => {
  const url = 'postgres://postgres@127.0.0.1:5432/salesops_keys_demo';
  const bytes = randomBytes(32);

  it.each([
    ['hex', bytes.toString('hex')],
    ['base64', bytes.toString('base64')],
    ['base64url', bytes.toString('base64url')],
  ])('gives the worker the same 32 bytes the CLI steps use for a %s key', (_kind, key) => {
    const { env, keys, generatedKey } = demoEnvironment({ SALESOPS_SECRET_KEY: key }, url, '{k}');
    expect(generatedKey).toBe(false);
    expect(keys.current.equals(bytes)).toBe(true);
    // What every in-process `salesops …` step will parse from the same environment.
    expect(loadConfig(env).secretKey?.equals(keys.current)).toBe(true);
  });

  it('generates one throw-away key when none is set and uses it on both sides', () => {
    const { env, keys, generatedKey } = demoEnvironment({}, url, '{k}');
    expect(generatedKey).toBe(true);
    expect(keys.current).toHaveLength(32);
    expect(loadConfig(env).secretKey?.equals(keys.current)).toBe(true);
    expect(env.DATABASE_URL).toBe(url);
    expect(env.SALESOPS_QUEUE_PREFIX).toBe('{k}');
  });

  it('keeps earlier keys so credentials encrypted under them still open', () => {
    const previous = randomBytes(32);
    const { keys } = demoEnvironment(
      { SALESOPS_SECRET_KEY: bytes.toString('hex'), SALESOPS_PREVIOUS_SECRET_KEYS: previous.toString('hex') },
      url,
      '{k}',
    );
    expect(keys.previous.map((k) => k.toString('hex'))).toEqual([previous.toString('hex')]);
  });
});
