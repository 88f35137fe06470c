import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { computeAttainment } from '../../src/metrics/attainment.js';
import { spreadQuota } from '../../src/warehouse/quotas.js';
import { runCapture } from '../cli/cli-run.js';
import { Q3, seed } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

let t: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
let acme: Connection;

const run = (argv: readonly string[]) => runCapture(argv, env);
async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
async function monthRows(owner: string | null, team: string | null = null) {
  let q = t.db
    .selectFrom('quotas')
    .select(['month', 'amount', 'source', 'updated_at'])
    .where('connection_id', '=', acme.id);
  q = owner === null ? q.where('owner_id', 'is', null) : q.where('owner_id', '=', owner);
  q = team === null ? q.where('team_id', 'is', null) : q.where('team_id', '=', team);
  return q.orderBy('month').orderBy('source').execute();
}

beforeAll(async () => {
  t = await createTestDatabase('cli_quotas');
  dir = await mkdtemp(join(tmpdir(), 'salesops-quotas-'));
  env = {
    DATABASE_URL: t.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  acme = await insertConnection(t.db, { name: 'acme', timeZone: 'America/New_York' });
  await seed(t.db, acme.id, { owners: Q3.owners, teams: Q3.teams });
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await t?.drop();
});

describe('spreadQuota', () => {
  it.each([
    // Q3 2026 working days: Jul 23, Aug 21, Sep 22 (66). 90,000.00 = 9,000,000 cents:
    // Jul 9e6×23/66 = 3,136,363.6, Aug 2,863,636.4, Sep 3,000,000 exactly; floors leave 1 cent,
    // which goes to the largest remainder (July).
    [
      '2026-07-01',
      '2026-09-30',
      9_000_000n,
      [
        ['2026-07-01', 3_136_364n],
        ['2026-08-01', 2_863_636n],
        ['2026-09-01', 3_000_000n],
      ],
    ],
    // Joined Mon Aug 17: Aug 17..31 = 11 working days, Sep = 22 → 1/3 and 2/3 of 30,000.
    [
      '2026-08-17',
      '2026-09-30',
      3_000_000n,
      [
        ['2026-08-01', 1_000_000n],
        ['2026-09-01', 2_000_000n],
      ],
    ],
    // A row ending on a Saturday/Sunday gives the weekend-only month nothing: Jul 27..Aug 2
    // has Jul 27..31 (5) and Aug 1-2 (weekend, 0) → all to July, and no August row.
    ['2026-07-27', '2026-08-02', 500n, [['2026-07-01', 500n]]],
  ] as const)('%s..%s of %i cents', (start, end, cents, expected) => {
    expect(spreadQuota(start, end, cents).map((s) => [s.month, s.cents])).toEqual(expected);
  });
});

describe('salesops quotas import', () => {
  it('spreads rows over months by working days and reports what it applied', async () => {
    const path = await file(
      'q3.csv',
      'owner_email,period_start,period_end,amount,currency\n' +
        'alice@example.com,2026-07-01,2026-09-30,90000,USD\n' +
        'DAVE@example.com,2026-08-17,2026-09-30,30000,\n',
    );
    const result = await run(['quotas', 'import', path, '--connection', 'acme', '--json']);
    expect(result.code).toBe(0);
    // 2 rows → alice 3 months + dave 2 months; total 90,000 + 30,000.
    expect(JSON.parse(result.stdout)).toMatchObject({
      rows: 2,
      months: 5,
      changed: 5,
      total: 120_000,
      skipped: [],
    });
    expect((await monthRows('a')).map((r) => [r.month, r.amount])).toEqual([
      ['2026-07-01', '31363.64'],
      ['2026-08-01', '28636.36'],
      ['2026-09-01', '30000.00'],
    ]);
    expect((await monthRows('d')).map((r) => r.amount)).toEqual(['10000.00', '20000.00']);

    // Re-importing the same file changes nothing, not even updated_at.
    const before = await monthRows('a');
    const again = await run(['quotas', 'import', path, '--connection', 'acme']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /Applied 2 row\(s\).*5 owner\/team-month\(s\), 0 changed, total 120000\.00 USD\./,
    );
    expect(await monthRows('a')).toEqual(before);
  });

  it('lets a later row replace earlier CSV rows for the same owner and months only', async () => {
    const path = await file(
      'aug.csv',
      'owner_email,period_start,period_end,amount\nalice@example.com,2026-08-01,2026-08-31,50000\n',
    );
    expect((await run(['quotas', 'import', path, '--connection', 'acme'])).code).toBe(0);
    expect((await monthRows('a')).map((r) => r.amount)).toEqual(['31363.64', '50000.00', '30000.00']);
  });

  it('prefers CSV quotas over CRM quotas at read time and records the source', async () => {
    // The CRM says 99,999 for alice in July and 5,000 for bob; only bob's counts.
    await t.db
      .insertInto('quotas')
      .values([
        {
          connection_id: acme.id,
          owner_id: 'a',
          team_id: null,
          month: '2026-07-01',
          amount: 99_999,
          currency: 'USD',
          source: 'crm',
          source_ref: null,
        },
        {
          connection_id: acme.id,
          owner_id: 'b',
          team_id: null,
          month: '2026-07-01',
          amount: 5_000,
          currency: 'USD',
          source: 'crm',
          source_ref: null,
        },
      ])
      .execute();
    expect((await monthRows('a')).map((r) => r.source)).toEqual(['crm', 'csv', 'csv', 'csv']);
    const report = await computeAttainment(t.db, acme, {
      period: parsePeriod('2026-Q3', acme),
      asOf: asOfInstant('2026-10-15', acme.timeZone),
    });
    const quota = (email: string) => report.reps.find((r) => r.ownerEmail === email)?.quota;
    // alice: 31,363.64 + 50,000 + 30,000 (CSV) = 111,363.64; bob: 5,000 (CRM).
    expect(quota('alice@example.com')).toBeCloseTo(111_363.64, 2);
    expect(quota('bob@example.com')).toBe(5_000);
  });

  it('validates the whole file: any bad row and nothing is applied, every bad row listed', async () => {
    const path = await file(
      'bad.csv',
      'owner_email,period_start,period_end,amount,currency\n' +
        'nobody@example.com,2026-07-01,2026-09-30,100,\n' + // 2 unknown owner
        'alice@example.com,2026-09-30,2026-07-01,100,\n' + // 3 reversed
        'bob@example.com,2026-07-04,2026-07-05,100,\n' + // 4 weekend only
        'bob@example.com,2026-07-01,2026-07-31,abc,\n' + // 5 amount
        'erin@example.com,2026-07-01,2026-07-31,1000,\n' + // 6 good
        'erin@example.com,2026-07-15,2026-08-15,1000,\n' + // 7 overlaps line 6
        'carol@example.com,2026-07-01,2026-07-31,1000,EUR\n', // 8 foreign currency
    );
    const refused = await run(['quotas', 'import', path, '--connection', 'acme']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/6 invalid row\(s\), so nothing was imported/);
    for (const line of [2, 3, 4, 5, 7, 8]) expect(refused.stderr).toContain(`line ${line}:`);
    expect(refused.stderr).toMatch(/line 2: no owner has the email nobody@example.com/);
    expect(refused.stderr).toMatch(/line 7: overlaps line 6/);
    expect(await monthRows('e')).toEqual([]);

    const skipped = await run(['quotas', 'import', path, '--connection', 'acme', '--skip-invalid', '--json']);
    expect(skipped.code).toBe(0);
    const doc = JSON.parse(skipped.stdout);
    expect(doc).toMatchObject({ rows: 1, months: 1, total: 1000 });
    expect(doc.skipped.map((s: { line: number }) => s.line)).toEqual([2, 3, 4, 5, 7, 8]);
    expect((await monthRows('e')).map((r) => [r.month, r.amount])).toEqual([['2026-07-01', '1000.00']]);
  });

  it('imports explicit team quotas by team name', async () => {
    const path = await file(
      'teams.csv',
      'team_name,period_start,period_end,amount\neast,2026-07-01,2026-09-30,250000\nNowhere,2026-07-01,2026-07-31,5\n',
    );
    const result = await run(['quotas', 'import', path, '--connection', 'acme', '--skip-invalid']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Skipped line 3: no team is named Nowhere\./);
    // 25,000,000 cents × 23/66, 21/66, 22/66 = 8,712,121.2 / 7,954,545.45 / 8,333,333.3:
    // the spare cent goes to August (largest remainder .45).
    expect((await monthRows(null, 'east')).map((r) => r.amount)).toEqual([
      '87121.21',
      '79545.46',
      '83333.33',
    ]);
  });

  it('refuses a wrong header with the expected one', async () => {
    const path = await file('header.csv', 'email,start,end,amount\n');
    const result = await run(['quotas', 'import', path, '--connection', 'acme']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/header is wrong/);
  });
});
