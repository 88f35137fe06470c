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
          weightedPipeline: 0,
          closedPlusWeighted: 68_000,
        },
        {
          ownerEmail: 'bob@example.com',
          ownerName: 'Bob Brown',
          team: 'East',
          quota: 60_000,
          closedWon: 34_000,
          attainment: 0.566667,
          runRateProjection: 34_000,
          weightedPipeline: 0,
          closedPlusWeighted: 34_000,
        },
        {
          ownerEmail: 'carol@example.com',
          ownerName: 'Carol Chen',
          team: 'West',
          quota: null,
          closedWon: 5_000,
          attainment: null,
          runRateProjection: 5_000,
          weightedPipeline: 0,
          closedPlusWeighted: 5_000,
        },
        {
          ownerEmail: 'dave@example.com',
          ownerName: 'Dave Diaz',
          team: 'West',
          quota: 30_000,
          closedWon: 35_000,
          attainment: 1.166667,
          runRateProjection: 35_000,
          weightedPipeline: 0,
          closedPlusWeighted: 35_000,
        },
        {
          ownerEmail: 'erin@example.com',
          ownerName: 'Erin Eze',
          team: 'West',
          quota: 30_000,
          closedWon: 0,
          attainment: 0,
          runRateProjection: 0,
          weightedPipeline: 0,
          closedPlusWeighted: 0,
        },
      ],
      // A closed period has no pipeline left to weight: closed + weighted = closed won.
      team: {
        quota: 210_000,
        closedWon: 142_000,
        attainment: 0.67619,
        shareAtOrAbove100: 0.25,
        runRateProjection: 142_000,
        weightedPipeline: 0,
        closedPlusWeighted: 142_000,
      },
      teams: [
        {
          name: 'East',
          quota: 150_000,
          closedWon: 102_000,
          attainment: 0.68,
          explicitQuota: 250_000,
          attainmentVsExplicitQuota: 0.408,
          closedPlusWeighted: 102_000,
        },
        {
          name: 'West',
          quota: 60_000,
          closedWon: 40_000,
          attainment: 0.666667,
          explicitQuota: null,
          attainmentVsExplicitQuota: null,
          closedPlusWeighted: 40_000,
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

  it('--json carries the closed + weighted pipeline the table and CSV show, with the same figures', async () => {
    const MID = [
      'report',
      'attainment',
      '--connection',
      'acme',
      '--period',
      '2026-Q3',
      '--as-of',
      '2026-08-14',
    ];
    const doc = JSON.parse((await run([...MID, '--json'])).stdout);
    // Hand-computed in test/metrics/attainment.test.ts (mid-quarter): closed so far alice 22k,
    // bob 30k, carol 5k; weighted pipeline alice D10 10k × 0.2 = 2k, bob D9 50k × 0.6 = 30k.
    const pace = (email: string) => {
      const rep = doc.reps.find((r: { ownerEmail: string }) => r.ownerEmail === email);
      return [rep.closedWon, rep.weightedPipeline, rep.closedPlusWeighted];
    };
    expect(pace('alice@example.com')).toEqual([22_000, 2_000, 24_000]);
    expect(pace('bob@example.com')).toEqual([30_000, 30_000, 60_000]);
    expect(pace('carol@example.com')).toEqual([5_000, 0, 5_000]);
    // All reps: 57k closed + 32k weighted = 89k; East = alice + bob = 84k, West = carol = 5k.
    expect(doc.team).toMatchObject({
      closedWon: 57_000,
      weightedPipeline: 32_000,
      closedPlusWeighted: 89_000,
    });
    expect(
      doc.teams.map((t: { name: string; closedPlusWeighted: number }) => [t.name, t.closedPlusWeighted]),
    ).toEqual([
      ['East', 84_000],
      ['West', 5_000],
    ]);
    const csv = parse((await run([...MID, '--csv'])).stdout, { columns: true }) as Record<string, string>[];
    expect(csv.find((r) => r.scope === 'all')?.closedPlusWeighted).toBe(String(doc.team.closedPlusWeighted));
    const table = (await run(MID)).stdout;
    expect(table).toMatch(/closed \+ weighted pipeline 89,000/);
  });

  it('says in one sentence that a period has no data, instead of an empty table (exit 0)', async () => {
    // The fixture has no quota and no deal before 2025; FY2024 is empty.
    const empty = await run([
      'report',
      'attainment',
      '--connection',
      'acme',
      '--period',
      '2024',
      '--as-of',
      '2026-10-15',
    ]);
    expect(empty).toMatchObject({ code: 0, stderr: '' });
    expect(empty.stdout).toBe(
      'No quotas and no closed-won deals in 2024 (2024-01-01..2024-12-31) as of 2026-10-15; import quotas with `salesops quotas import` or pick another --period.\n',
    );
    const reps = await run([
      'report',
      'reps',
      '--connection',
      'acme',
      '--period',
      '2024',
      '--as-of',
      '2026-10-15',
    ]);
    expect(reps).toMatchObject({ code: 0, stderr: '' });
    expect(reps.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(reps.stdout).toMatch(/^No won or lost deals in 2024-01-01\.\.2024-12-31 .*\.\n$/);
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
