import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Q3, seed, seedPipeline } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { runCapture } from './cli-run.js';

let t: TestDatabase;
let env: NodeJS.ProcessEnv;
const run = (argv: readonly string[]) => runCapture(argv, env);
const ATTAINMENT = [
  'report',
  'attainment',
  '--connection',
  'acme',
  '--period',
  '2026-Q3',
  '--as-of',
  '2026-10-15',
];
const REPS = ['report', 'reps', '--connection', 'acme', '--period', '2026-Q3', '--as-of', '2026-10-15'];

beforeAll(async () => {
  t = await createTestDatabase('cli_report');
  env = {
    DATABASE_URL: t.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  const acme = await insertConnection(t.db, { name: 'acme', timeZone: 'America/New_York' });
  await seedPipeline(t.db, acme.id);
  await seed(t.db, acme.id, Q3);
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

describe('salesops report attainment', () => {
  it('--json prints exactly the DESIGN §7 document', async () => {
    const result = await run([...ATTAINMENT, '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // Numbers derived in test/metrics/attainment.test.ts; ratios rounded to 6 decimals.
    expect(JSON.parse(result.stdout)).toEqual({
      period: { start: '2026-07-01', end: '2026-09-30' },
      currency: 'USD',
      asOf: '2026-10-15',
      reps: [
        {
          ownerEmail: 'alice@example.com',
          ownerName: 'Alice Ames',
          team: 'East',
          quota: 90_000,
          closedWon: 68_000,
          attainment: 0.755556,
          runRateProjection: 68_000,
        },
        {
          ownerEmail: 'bob@example.com',
          ownerName: 'Bob Brown',
          team: 'East',
          quota: 60_000,
          closedWon: 34_000,
          attainment: 0.566667,
          runRateProjection: 34_000,
        },
        {
          ownerEmail: 'carol@example.com',
          ownerName: 'Carol Chen',
          team: 'West',
          quota: null,
          closedWon: 5_000,
          attainment: null,
          runRateProjection: 5_000,
        },
        {
          ownerEmail: 'dave@example.com',
          ownerName: 'Dave Diaz',
          team: 'West',
          quota: 30_000,
          closedWon: 35_000,
          attainment: 1.166667,
          runRateProjection: 35_000,
        },
        {
          ownerEmail: 'erin@example.com',
          ownerName: 'Erin Eze',
          team: 'West',
          quota: 30_000,
          closedWon: 0,
          attainment: 0,
          runRateProjection: 0,
        },
      ],
      team: { quota: 210_000, closedWon: 142_000, attainment: 0.67619, shareAtOrAbove100: 0.25 },
      teams: [
        {
          name: 'East',
          quota: 150_000,
          closedWon: 102_000,
          attainment: 0.68,
          explicitQuota: 250_000,
          attainmentVsExplicitQuota: 0.408,
        },
        {
          name: 'West',
          quota: 60_000,
          closedWon: 40_000,
          attainment: 0.666667,
          explicitQuota: null,
          attainmentVsExplicitQuota: null,
        },
      ],
    });
  });

  it('prints a readable table by default and CSV with --csv', async () => {
    const table = await run(ATTAINMENT);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /Attainment 2026-Q3 \(2026-07-01\.\.2026-09-30\) as of 2026-10-15, period closed/,
    );
    expect(table.stdout).toMatch(/Alice Ames.*East.*90,000.*68,000.*75\.6%/);
    expect(table.stdout).toMatch(/East.*150,000.*102,000.*68\.0%.*250,000.*40\.8%/);
    const csv = await run([...ATTAINMENT, '--csv']);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    // 5 reps, 2 teams, 1 total.
    expect(rows.map((r) => r.scope)).toEqual(['rep', 'rep', 'rep', 'rep', 'rep', 'team', 'team', 'all']);
    expect(rows[7]).toMatchObject({ closedWon: '142000', quota: '210000' });
  });

  it('refuses bad input with exit code 2', async () => {
    expect((await run(['report', 'attainment', '--connection', 'acme', '--period', '2026-Q9'])).code).toBe(2);
    expect((await run([...ATTAINMENT, '--json', '--csv'])).code).toBe(2);
    const asOf = await run([
      'report',
      'attainment',
      '--connection',
      'acme',
      '--period',
      '2026-Q3',
      '--as-of',
      '2026-13-01',
    ]);
    expect(asOf.code).toBe(2);
    expect(asOf.stderr).toMatch(/--as-of expects a date/);
  });
});

describe('salesops report reps', () => {
  it('--json prints the DESIGN §7 document', async () => {
    const result = await run([...REPS, '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(result.stdout);
    expect(doc.period).toEqual({ start: '2026-07-01', end: '2026-09-30' });
    // Window 2025-10-01..2026-09-30; alice closed D1, D2, D4 won and D8 lost → 3/4.
    // Team: 6 won (D1 D2 D3 D4 D5 D6) of 7 → 0.857; Wilson(3, 4): 1 + z²/4 = 1.960365,
    // centre (0.75 + 0.480182)/1.960365 = 0.627527, half 0.999795·√(0.046875 + 0.060023) = 0.326886
    // → [0.300641, 0.954413], which contains 0.857 → no outlier. Coverage: closed period → null.
    // Sizes 40k, 22k, 10k → median 22k. Cycles from the created day Jan 5: D2 Jul 15 = 191 days,
    // D4 Sep 1 = 239, D1 Sep 30 = 268 → median 239.
    const alice = doc.reps[0];
    expect(Object.keys(alice)).toEqual([
      'ownerEmail',
      'won',
      'lost',
      'winRate',
      'winRateLow',
      'winRateHigh',
      'medianDealSize',
      'medianCycleDays',
      'coverage',
      'outlier',
    ]);
    expect(alice).toMatchObject({
      ownerEmail: 'alice@example.com',
      won: 3,
      lost: 1,
      winRate: 0.75,
      medianDealSize: 22_000,
      medianCycleDays: 239,
      coverage: null,
      outlier: false,
    });
    expect(alice.winRateLow).toBeCloseTo(0.300641, 5);
    expect(alice.winRateHigh).toBeCloseTo(0.954413, 5);
    expect(Object.keys(doc)).toEqual(['period', 'reps']);
  });

  it('prints a table with the team rate and stage conversion', async () => {
    const result = await run(REPS);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Team win rate 85\.7% \(6 won, 1 lost\)/);
    expect(result.stdout).toMatch(/Qualify.*Propose/);
  });
});
