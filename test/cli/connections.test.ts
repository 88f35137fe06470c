import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/app/run-cli.js';
import { captureRun } from '../../src/cli/cli-io.js';
import { createConnectionStore } from '../../src/connections/connection-store.js';
import { CredentialKeyError, keyId } from '../../src/connections/credentials-cipher.js';
import { createDb, type Db, dropDatabase } from '../../src/db.js';
import { uniqueDatabaseUrl } from '../support/test-db.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

const key = randomBytes(32);
const url = uniqueDatabaseUrl('cli_connections');
const baseEnv: NodeJS.ProcessEnv = {
  DATABASE_URL: url,
  REDIS_URL: 'redis://127.0.0.1:6379',
  SALESOPS_SECRET_KEY: key.toString('base64'),
  LOG_LEVEL: 'warn',
};
/** Every secret handed to the CLI in this file; none may ever appear in output or in the table. */
const secrets: string[] = [];
const newToken = (): string => {
  const token = `pat-na1-${randomBytes(18).toString('hex')}`;
  secrets.push(token);
  return token;
};

/** Runs one command line in-process, as the bin would, with captured streams. */
async function run(
  argv: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly stdin?: string } = {},
): Promise<Run> {
  const started = performance.now();
  const result = await captureRun(runCli, argv, options.env ?? baseEnv, options.stdin ?? '');
  return { ...result, ms: performance.now() - started };
}

/** A failure is one line, one sentence, on stderr, and nothing on stdout. */
function expectOneSentence(result: Run, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: .+[.?)]$/);
  expect(lines[0]).toMatch(pattern);
}

function expectNoSecrets(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

let db: Db;
let tempDir: string;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'salesops-cli-'));
});

afterAll(async () => {
  await db?.destroy();
  await dropDatabase(url);
  await rm(tempDir, { recursive: true, force: true });
});

describe('salesops migrate', () => {
  it('creates a database that does not exist yet, and succeeds again on the second run', async () => {
    const first = await run(['migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Database is up to date \(schema \d{8}_\d{3}_\w+\)\.\n$/);
    const second = await run(['migrate', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const document = JSON.parse(second.stdout) as { schemaVersion: string };
    expect(document.schemaVersion).toMatch(/^\d{8}_\d{3}_/);
    db = createDb(url, { max: 2 });
  });
});

describe('salesops connections', () => {
  const token = newToken();

  it('adds a HubSpot connection and lists it as exactly one JSON document', async () => {
    const added = await run(['connections', 'add', 'hubspot', '--name', 'x', '--access-token', token]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('Added HubSpot connection "x" (private_app, tier starter).\n');
    expectNoSecrets(added.stdout + added.stderr);

    const listed = await run(['connections', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    // JSON.parse of the whole stdout fails if anything else was printed there.
    const rows = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: 'x',
      kind: 'hubspot',
      baseUrl: null,
      tier: 'starter',
      lastRun: null,
    });
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([
      'baseUrl',
      'createdAt',
      'kind',
      'lastRun',
      'name',
      'tier',
    ]);
    expect(Number.isNaN(Date.parse(String(rows[0]?.createdAt)))).toBe(false);
    expectNoSecrets(listed.stdout);
  });

  it('stores no byte of the token in any column of the connections table', async () => {
    const columns = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name = 'connections'`.execute(db);
    expect(columns.rows.length).toBeGreaterThan(10);
    const encodings = [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('hex')];
    for (const { column_name } of columns.rows) {
      const values = await sql<{ v: string | null }>`
        select ${sql.ref(column_name)}::text as v from connections`.execute(db);
      for (const { v } of values.rows) {
        for (const encoded of encodings) expect(v ?? '', column_name).not.toContain(encoded);
      }
    }
    // And the whole row rendered as text, for good measure.
    const whole = await sql<{ v: string }>`select c::text as v from connections c`.execute(db);
    for (const { v } of whole.rows) expect(v).not.toContain(token);
  });

  it('opens the stored credentials with the right key, and refuses clearly with a wrong or missing one', async () => {
    const row = await db
      .selectFrom('connections')
      .select(['id', 'credentials_key_id'])
      .where('name', '=', 'x')
      .executeTakeFirstOrThrow();
    expect(row.credentials_key_id).toBe(keyId(key));
    const right = createConnectionStore(db, { current: key, previous: [] });
    expect(await right.credentials(row.id)).toEqual({ method: 'private_app', accessToken: token });

    const wrong = createConnectionStore(db, { current: randomBytes(32), previous: [] });
    const error = await wrong.credentials(row.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialKeyError);
    expect((error as Error).message).toBe(
      `The credentials of connection "x" were encrypted with a different SALESOPS_SECRET_KEY (key id ${keyId(key)}); set the original key, or list it in SALESOPS_PREVIOUS_SECRET_KEYS.`,
    );

    const none = createConnectionStore(db, { current: null, previous: [] });
    await expect(none.credentials(row.id)).rejects.toThrow(/SALESOPS_SECRET_KEY is not set/);

    // After a rotation the old key, listed as previous, still opens them.
    const rotated = createConnectionStore(db, { current: randomBytes(32), previous: [key] });
    expect(await rotated.credentials(row.id)).toEqual({ method: 'private_app', accessToken: token });
  });

  it('refuses to add a connection without SALESOPS_SECRET_KEY, storing nothing', async () => {
    const result = await run(
      ['connections', 'add', 'hubspot', '--name', 'nokey', '--access-token', newToken()],
      {
        env: { ...baseEnv, SALESOPS_SECRET_KEY: '' },
      },
    );
    expectOneSentence(result, 1, /SALESOPS_SECRET_KEY is not set/);
    expectNoSecrets(result.stderr);
    const rows = await db.selectFrom('connections').select('name').where('name', '=', 'nokey').execute();
    expect(rows).toEqual([]);
  });

  it('reads a secret from --access-token-file, trimming the trailing newline', async () => {
    const fileToken = newToken();
    const file = join(tempDir, 'token.txt');
    await writeFile(file, `${fileToken}\n`, { mode: 0o600 });
    const result = await run([
      'connections',
      'add',
      'hubspot',
      '--name',
      'from-file',
      '--access-token-file',
      file,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expectNoSecrets(result.stdout + result.stderr);
    const store = createConnectionStore(db, { current: key, previous: [] });
    const c = await store.get('from-file');
    expect(await store.credentials(c.id)).toEqual({ method: 'private_app', accessToken: fileToken });
  });

  it('reads a secret from standard input with --access-token -', async () => {
    const stdinToken = newToken();
    const result = await run(
      [
        'connections',
        'add',
        'hubspot',
        '--name',
        'from-stdin',
        '--access-token',
        '-',
        '--tier',
        'professional',
      ],
      { stdin: `${stdinToken}\n` },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('tier professional');
    const store = createConnectionStore(db, { current: key, previous: [] });
    const c = await store.get('from-stdin');
    expect(c.tier).toBe('professional');
    expect(await store.credentials(c.id)).toEqual({ method: 'private_app', accessToken: stdinToken });
  });

  it('adds OAuth and Salesforce connections with every secret kept out of the output', async () => {
    const refresh = newToken();
    const clientSecret = newToken();
    const oauth = await run(
      [
        'connections',
        'add',
        'hubspot',
        '--name',
        'oauth-app',
        '--refresh-token',
        refresh,
        '--client-id',
        'client-1',
        '--client-secret-file',
        '-',
        '--json',
      ],
      { stdin: clientSecret },
    );
    expect(oauth.code, oauth.stderr).toBe(0);
    expect(JSON.parse(oauth.stdout)).toEqual({
      name: 'oauth-app',
      kind: 'hubspot',
      baseUrl: null,
      tier: 'oauth',
    });
    const sfToken = newToken();
    const sf = await run([
      'connections',
      'add',
      'salesforce',
      '--name',
      'sf',
      '--instance-url',
      'https://acme.my.salesforce.com/',
      '--access-token',
      sfToken,
    ]);
    expect(sf.code, sf.stderr).toBe(0);
    expect(sf.stdout).toBe('Added Salesforce connection "sf" (access_token, API v62.0).\n');
    expectNoSecrets(oauth.stdout + oauth.stderr + sf.stdout + sf.stderr);
  });

  it('never shows a secret in list, as a table or as JSON', async () => {
    const table = await run(['connections', 'list']);
    expect(table.code, table.stderr).toBe(0);
    for (const name of ['x', 'from-file', 'from-stdin', 'oauth-app', 'sf'])
      expect(table.stdout).toContain(name);
    expect(table.stdout).toContain('https://acme.my.salesforce.com');
    const json = await run(['connections', 'list', '--json']);
    const rows = JSON.parse(json.stdout) as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual(['from-file', 'from-stdin', 'oauth-app', 'sf', 'x']);
    expectNoSecrets(table.stdout + table.stderr + json.stdout + json.stderr);
    expect(json.stdout).not.toMatch(/token|secret|credential|v1\./i);
  });

  it('changes settings with set', async () => {
    const result = await run([
      'connections',
      'set',
      'x',
      '--tz',
      'Europe/Berlin',
      '--fiscal-year-start',
      'February',
      '--tier',
      'enterprise',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'x',
      timeZone: 'Europe/Berlin',
      fiscalYearStartMonth: 2,
      tier: 'enterprise',
      baseUrl: null,
      authMethod: 'private_app',
      credentialsReplaced: false,
    });
    const text = await run(['connections', 'set', 'x', '--fiscal-year-start', '4']);
    expect(text.stdout).toBe('Updated "x": time zone Europe/Berlin, fiscal year starts in month 4.\n');
    const row = await db
      .selectFrom('connections')
      .selectAll()
      .where('name', '=', 'x')
      .executeTakeFirstOrThrow();
    expect(row.time_zone_override).toBe('Europe/Berlin');
    expect(row.fiscal_year_start_override).toBe(4);
    expect(row.tier).toBe('enterprise');
  });

  it('refuses bad set input with one sentence', async () => {
    expectOneSentence(await run(['connections', 'set', 'x']), 2, /Nothing to change/);
    expectOneSentence(await run(['connections', 'set', 'x', '--tz', 'Mars/Olympus']), 2, /IANA time zone/);
    expectOneSentence(await run(['connections', 'set', 'x', '--fiscal-year-start', '13']), 2, /month 1-12/);
    expectOneSentence(
      await run(['connections', 'set', 'x', '--tier', 'platinum']),
      2,
      /--tier expects one of/,
    );
    expectOneSentence(
      await run(['connections', 'set', 'nope', '--tz', 'UTC']),
      1,
      /No connection is named "nope"/,
    );
  });

  it('removes a connection keeping its warehouse data, frees the name and destroys the credentials', async () => {
    const store = createConnectionStore(db, { current: key, previous: [] });
    const c = await store.get('from-file');
    await db
      .insertInto('owners')
      .values({
        connection_id: c.id,
        external_id: 'o1',
        email: 'rep@example.com',
        first_name: null,
        last_name: null,
        active: true,
        user_id: null,
        manager_id: null,
        crm_created_at: null,
        crm_updated_at: null,
      })
      .execute();
    const removed = await run(['connections', 'remove', 'from-file']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe('Removed "from-file"; its warehouse data is kept.\n');
    const row = await db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row.removed_at).not.toBeNull();
    expect(row.credentials_enc).toBe('removed');
    const owners = await db
      .selectFrom('owners')
      .select('external_id')
      .where('connection_id', '=', c.id)
      .execute();
    expect(owners).toEqual([{ external_id: 'o1' }]);
    const listed = JSON.parse((await run(['connections', 'list', '--json'])).stdout) as { name: string }[];
    expect(listed.map((r) => r.name)).not.toContain('from-file');
    expectOneSentence(
      await run(['connections', 'remove', 'from-file']),
      1,
      /No connection is named "from-file"/,
    );
    // The name is free again.
    const again = await run([
      'connections',
      'add',
      'hubspot',
      '--name',
      'from-file',
      '--access-token',
      newToken(),
    ]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('removes a connection with --purge, deleting its warehouse data', async () => {
    const store = createConnectionStore(db, { current: key, previous: [] });
    const c = await store.get('from-stdin');
    await db
      .insertInto('owners')
      .values({
        connection_id: c.id,
        external_id: 'o2',
        email: null,
        first_name: null,
        last_name: null,
        active: false,
        user_id: null,
        manager_id: null,
        crm_created_at: null,
        crm_updated_at: null,
      })
      .execute();
    const removed = await run(['connections', 'remove', 'from-stdin', '--purge']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe('Removed "from-stdin" and its warehouse data.\n');
    expect(await db.selectFrom('connections').select('id').where('id', '=', c.id).execute()).toEqual([]);
    expect(
      await db.selectFrom('owners').select('external_id').where('connection_id', '=', c.id).execute(),
    ).toEqual([]);
  });
});

describe('bad input: one clear sentence and the documented exit code', () => {
  it('unknown command → 2', async () => {
    expectOneSentence(await run(['frobnicate']), 2, /unknown command 'frobnicate'/);
    expectOneSentence(await run(['connections', 'lst']), 2, /unknown command 'lst'.*list/);
  });

  it('missing flag → 2', async () => {
    expectOneSentence(
      await run(['connections', 'add', 'hubspot', '--access-token', newToken()]),
      2,
      /required option '--name <name>' not specified/,
    );
    expectOneSentence(
      await run(['connections', 'add', 'hubspot', '--name', 'y']),
      2,
      /Give either --access-token/,
    );
    expectOneSentence(
      await run(['connections', 'add', 'salesforce', '--name', 'y', '--access-token', newToken()]),
      2,
      /--instance-url/,
    );
  });

  it('bad secret sources → 2 (both forms, empty) or 1 (unreadable file)', async () => {
    const file = join(tempDir, 'empty.txt');
    await writeFile(file, '\n');
    expectOneSentence(
      await run([
        'connections',
        'add',
        'hubspot',
        '--name',
        'y',
        '--access-token',
        'a',
        '--access-token-file',
        file,
      ]),
      2,
      /not both/,
    );
    expectOneSentence(
      await run(['connections', 'add', 'hubspot', '--name', 'y', '--access-token-file', file]),
      2,
      /is empty/,
    );
    expectOneSentence(
      await run([
        'connections',
        'add',
        'hubspot',
        '--name',
        'y',
        '--access-token-file',
        join(tempDir, 'missing'),
      ]),
      1,
      /Cannot read --access-token-file .*ENOENT/,
    );
  });

  it('malformed DATABASE_URL → 2, naming the variable', async () => {
    const result = await run(['migrate'], { env: { ...baseEnv, DATABASE_URL: 'not a url' } });
    expectOneSentence(result, 2, /DATABASE_URL must be a postgres:\/\//);
  });

  it('Postgres down → 1 within a few seconds, saying how to start it', async () => {
    const result = await run(['connections', 'list'], {
      env: { ...baseEnv, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/salesops' },
    });
    expectOneSentence(result, 1, /PostgreSQL is not reachable at 127\.0\.0\.1:1 \(ECONNREFUSED\); start it/);
    expect(result.ms).toBeLessThan(5000);
  });

  it('Redis down → 1 within a few seconds, saying how to start it', async () => {
    const result = await run(['migrate'], { env: { ...baseEnv, REDIS_URL: 'redis://127.0.0.1:1' } });
    expectOneSentence(result, 1, /Redis is not reachable at 127\.0\.0\.1:1 \(ECONNREFUSED\); start it/);
    expect(result.ms).toBeLessThan(5000);
  });

  it('both down → 1, one sentence naming both', async () => {
    const result = await run(['migrate'], {
      env: {
        ...baseEnv,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/salesops',
        REDIS_URL: 'redis://127.0.0.1:1',
      },
    });
    expectOneSentence(result, 1, /Neither PostgreSQL .* nor Redis/);
    expect(result.ms).toBeLessThan(5000);
  });

  it('duplicate connection name → 1', async () => {
    const result = await run(['connections', 'add', 'hubspot', '--name', 'x', '--access-token', newToken()]);
    expectOneSentence(result, 1, /A connection named "x" already exists/);
    const rows = await db.selectFrom('connections').select('id').where('name', '=', 'x').execute();
    expect(rows).toHaveLength(1);
  });

  it('an invalid flag value → 2', async () => {
    expectOneSentence(
      await run(['connections', 'add', 'hubspot', '--name', 'bad name!', '--access-token', newToken()]),
      2,
      /--name expects letters/,
    );
    expectOneSentence(
      await run([
        'connections',
        'add',
        'hubspot',
        '--name',
        'y',
        '--access-token',
        newToken(),
        '--base-url',
        'ftp://x',
      ]),
      2,
      /--base-url expects an http\(s\) URL/,
    );
  });
});
