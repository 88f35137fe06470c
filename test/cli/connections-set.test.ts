import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../../sandboxes/hubspot/index.js';
import { createConnectionStore } from '../../src/connections/connection-store.js';
import { REDIS_URL } from '../support/engine-harness.js';
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from '../support/test-db.js';
import { runCapture } from './cli-run.js';

/** `connections set N` replaces credentials with every credential form of `connections add`. */

const key = randomBytes(32);
let t: TestDatabase;
let hubspot: HubspotSandbox;
let dir: string;
let env: NodeJS.ProcessEnv;
const secrets: string[] = [];
const secret = (label: string): string => {
  const value = `${label}-${randomBytes(12).toString('hex')}`;
  secrets.push(value);
  return value;
};
const run = async (argv: readonly string[], stdin = '') => {
  const result = await runCapture(argv, env, stdin);
  // Never printed, on success or failure.
  for (const s of secrets) expect(result.stdout + result.stderr).not.toContain(s);
  return result;
};
const stored = async (name: string) => {
  const store = createConnectionStore(t.db, { current: key, previous: [] });
  const c = await store.get(name);
  const row = await t.db
    .selectFrom('connections')
    .select(['credentials_enc', 'auth_method', 'tier'])
    .where('id', '=', c.id)
    .executeTakeFirstOrThrow();
  return { ...row, credentials: await store.credentials(c.id) };
};

beforeAll(async () => {
  t = await createTestDatabase('cli_connections_set');
  hubspot = await startHubspotSandbox({ seed: 2, deals: 20, contacts: 10 });
  dir = await mkdtemp(join(tmpdir(), 'salesops-set-'));
  secrets.push(hubspot.accessToken);
  env = {
    DATABASE_URL: t.url,
    REDIS_URL,
    SALESOPS_QUEUE_PREFIX: uniqueQueuePrefix('cli_connections_set'),
    SALESOPS_SECRET_KEY: key.toString('base64'),
    LOG_LEVEL: 'silent',
  };
});

afterAll(async () => {
  await hubspot?.close();
  await rm(dir, { recursive: true, force: true });
  await t?.drop();
});

describe('connections set: replacing credentials', () => {
  it('a new HubSpot token from a file is re-encrypted and is what the connector then uses', async () => {
    const wrong = secret('pat-wrong');
    const added = await run([
      'connections',
      'add',
      'hubspot',
      '--name',
      'acme',
      '--access-token',
      wrong,
      '--base-url',
      hubspot.baseUrl,
    ]);
    expect(added.code, added.stderr).toBe(0);
    // The sandbox refuses a token it did not issue.
    expect((await run(['connections', 'test', 'acme'])).code).toBe(1);
    const before = await stored('acme');

    const file = join(dir, 'token.txt');
    await writeFile(file, `${hubspot.accessToken}\n`, { mode: 0o600 });
    const set = await run(['connections', 'set', 'acme', '--access-token-file', file, '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      name: 'acme',
      authMethod: 'private_app',
      credentialsReplaced: true,
    });
    const after = await stored('acme');
    expect(after.credentials_enc).not.toBe(before.credentials_enc);
    expect(after.credentials_enc).not.toContain(hubspot.accessToken);
    expect(after.credentials).toEqual({ method: 'private_app', accessToken: hubspot.accessToken });

    const tested = await run(['connections', 'test', 'acme', '--json']);
    expect(tested.code, tested.stderr).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ name: 'acme', ok: true });
  });

  it('reads the new secret from standard input with -, and says so in plain words', async () => {
    const token = secret('pat-stdin');
    const set = await run(['connections', 'set', 'acme', '--access-token', '-'], `${token}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^Updated "acme": .*; credentials replaced \(private_app\)\.\n$/);
    expect((await stored('acme')).credentials).toEqual({ method: 'private_app', accessToken: token });
  });

  it('switches a HubSpot connection to an OAuth app, moving its default tier with it', async () => {
    const refresh = secret('refresh');
    const clientSecret = secret('client-secret');
    const file = join(dir, 'client-secret.txt');
    await writeFile(file, clientSecret, { mode: 0o600 });
    const set = await run([
      'connections',
      'set',
      'acme',
      '--refresh-token',
      refresh,
      '--client-id',
      'app-1',
      '--client-secret-file',
      file,
    ]);
    expect(set.code, set.stderr).toBe(0);
    const after = await stored('acme');
    expect(after).toMatchObject({ auth_method: 'oauth', tier: 'oauth' });
    expect(after.credentials).toEqual({
      method: 'oauth',
      refreshToken: refresh,
      clientId: 'app-1',
      clientSecret,
    });
  });

  it('replaces Salesforce credentials with client credentials or a JWT key', async () => {
    const added = await run([
      'connections',
      'add',
      'salesforce',
      '--name',
      'sf',
      '--instance-url',
      'https://acme.my.salesforce.com',
      '--access-token',
      secret('00D'),
    ]);
    expect(added.code, added.stderr).toBe(0);
    const consumerSecret = secret('consumer');
    const viaStdin = await run(
      ['connections', 'set', 'sf', '--client-id', 'KEY', '--client-secret-file', '-'],
      consumerSecret,
    );
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect((await stored('sf')).credentials).toEqual({
      method: 'client_credentials',
      clientId: 'KEY',
      clientSecret: consumerSecret,
    });

    const pem = `-----BEGIN PRIVATE KEY-----\n${secret('key')}\n-----END PRIVATE KEY-----`;
    const keyFile = join(dir, 'server.key');
    await writeFile(keyFile, pem, { mode: 0o600 });
    const jwt = await run([
      'connections',
      'set',
      'sf',
      '--client-id',
      'KEY',
      '--username',
      'int@acme.com',
      '--jwt-key-file',
      keyFile,
    ]);
    expect(jwt.code, jwt.stderr).toBe(0);
    const after = await stored('sf');
    expect(after.auth_method).toBe('jwt');
    expect(after.credentials).toEqual({
      method: 'jwt',
      clientId: 'KEY',
      username: 'int@acme.com',
      privateKey: pem,
    });
  });

  it('refuses an incomplete or foreign credential set in one sentence, keeping the stored one', async () => {
    const before = await stored('sf');
    const half = await run(['connections', 'set', 'sf', '--client-id', 'OTHER']);
    expect(half).toMatchObject({ code: 2, stdout: '' });
    expect(half.stderr).toMatch(/^error: Give one of: --access-token; .*\.\n$/);
    const foreign = await run(['connections', 'set', 'sf', '--refresh-token', secret('r')]);
    expect(foreign).toMatchObject({ code: 2, stdout: '' });
    expect(foreign.stderr).toBe(
      'error: --refresh-token is a HubSpot flag; this is a Salesforce connection.\n',
    );
    expect((await stored('sf')).credentials_enc).toBe(before.credentials_enc);
  });
});
