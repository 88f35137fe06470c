import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapture } from '../cli/cli-run.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

let t: TestDatabase;
let dir: string;
let connectionId: number;
let env: NodeJS.ProcessEnv;

function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCapture(argv, env);
}

async function csv(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const stored = () =>
  t.db
    .selectFrom('owner_settings')
    .select(['owner_id', 'lead_weight', 'available_from', 'available_to'])
    .where('connection_id', '=', connectionId)
    .orderBy('owner_id')
    .orderBy('available_from')
    .execute();

beforeAll(async () => {
  t = await createTestDatabase('cli_settings');
  dir = await mkdtemp(join(tmpdir(), 'salesops-settings-'));
  env = {
    DATABASE_URL: t.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  const connection = await insertConnection(t.db, { name: 'acme' });
  connectionId = connection.id;
  const owner = (id: string, isQueue = false) => ({
    connection_id: connectionId,
    external_id: id,
    email: `${id}@Example.com`,
    first_name: id,
    last_name: null,
    active: true,
    is_queue: isQueue,
    user_id: null,
    manager_id: null,
    crm_created_at: null,
    crm_updated_at: null,
  });
  await t.db
    .insertInto('owners')
    .values([owner('ana'), owner('ben'), owner('inbound', true)])
    .execute();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await t.drop();
});

describe('salesops settings reps', () => {
  it('imports weights and windows, and re-importing the same file changes nothing', async () => {
    const file = await csv(
      'ok.csv',
      'owner_email,lead_weight,available_from,available_to\nana@example.com,1,,\nBEN@example.com,2,2026-07-01,2026-07-12\nben@example.com,2,2026-07-25,\n',
    );
    const first = await run(['settings', 'reps', file, '--connection', 'acme']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/3 window\(s\) for 2 rep\(s\).*2 changed, 0 unchanged/);
    const before = await stored();
    expect(before).toEqual([
      { owner_id: 'ana', lead_weight: '1', available_from: null, available_to: null },
      { owner_id: 'ben', lead_weight: '2', available_from: '2026-07-01', available_to: '2026-07-12' },
      { owner_id: 'ben', lead_weight: '2', available_from: '2026-07-25', available_to: null },
    ]);
    const ids = await t.db.selectFrom('owner_settings').select('id').orderBy('id').execute();
    const again = await run(['settings', 'reps', file, '--connection', 'acme', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      owners: 2,
      windows: 3,
      changed: 0,
      unchanged: 2,
      skipped: [],
    });
    expect(await t.db.selectFrom('owner_settings').select('id').orderBy('id').execute()).toEqual(ids);
  });

  it("replaces only the listed owner's windows", async () => {
    const file = await csv('ben.csv', 'owner_email,lead_weight\nben@example.com,0\n');
    expect((await run(['settings', 'reps', file, '--connection', 'acme'])).code).toBe(0);
    expect(await stored()).toEqual([
      { owner_id: 'ana', lead_weight: '1', available_from: null, available_to: null },
      { owner_id: 'ben', lead_weight: '0', available_from: null, available_to: null },
    ]);
  });

  it('refuses a file with bad rows, listing every one, and applies nothing', async () => {
    const file = await csv(
      'bad.csv',
      [
        'owner_email,lead_weight,available_from,available_to',
        'ana@example.com,3,,',
        'nobody@example.com,1,,',
        'ben@example.com,-1,,',
        'ben@example.com,1,2026-02-30,',
        'ben@example.com,1,2026-07-10,2026-07-01',
        'inbound@example.com,1,,',
        'ana@example.com,1,2026-07-01,2026-07-31',
        'not-an-email,1,,',
      ].join('\n'),
    );
    const before = await stored();
    const result = await run(['settings', 'reps', file, '--connection', 'acme']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/has 7 invalid row\(s\), so nothing was imported/);
    for (const [line, reason] of [
      [3, /owner_email nobody@example.com is not an owner/],
      [4, /lead_weight must be 0 or more/],
      [5, /available_from is not a real calendar date/],
      [6, /available_to must not be before available_from/],
      [7, /owner_email inbound@example.com is a queue, not a rep/],
      [8, /window overlaps line 2 for ana@example.com/],
      [9, /owner_email must be an email/],
    ] as const) {
      expect(result.stderr).toMatch(new RegExp(`line ${line}: ${reason.source}`));
    }
    expect(await stored()).toEqual(before);
  });

  it('--skip-invalid applies the good rows and lists the rest', async () => {
    const file = await csv(
      'mixed.csv',
      'owner_email,lead_weight\nana@example.com,1.5\nnobody@example.com,1\n',
    );
    const result = await run(['settings', 'reps', file, '--connection', 'acme', '--skip-invalid']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Skipped 1 invalid row\(s\):\n {2}line 3: owner_email nobody@example.com/);
    expect((await stored())[0]).toEqual({
      owner_id: 'ana',
      lead_weight: '1.5',
      available_from: null,
      available_to: null,
    });
  });

  it('rejects a wrong header with the expected columns', async () => {
    const file = await csv('header.csv', 'email,weight\na@example.com,1\n');
    const result = await run(['settings', 'reps', file, '--connection', 'acme']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /expected owner_email,lead_weight\[,available_from,available_to,hours,tz\]/,
    );
  });
});
