import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import { workingDays } from '../../src/calendar/working-days.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { computeAttainment } from '../../src/metrics/attainment.js';
import { spreadQuota } from '../../src/warehouse/quotas.js';
import { runCapture } from '../cli/cli-run.js';
import { Q3, seed } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/*
 * A quota row that starts mid-month (DESIGN §5: "one covering part of a month counts that
 * month's share by working days"). Hand count for 2026-10-15..2026-12-31 (2026-01-01 is a
 * Thursday, so 2026-10-15 is a Thursday too):
 *   October 15..31: Thu 15, Fri 16, 19–23, 26–30 = 12 (Sat 31 is off)
 *   November: 2–6, 9–13, 16–20, 23–27, 30 = 21
 *   December: 1–4, 7–11, 14–18, 21–25, 28–31 = 23            → 56 working days
 * 70,000.00 → Oct 70,000·12/56 = 15,000; Nov ·21/56 = 26,250; Dec ·23/56 = 28,750.
 * Whole months would give October 22 of 66 working days instead (23,333.33).
 */
const START = '2026-10-15';
const END = '2026-12-31';

describe('a quota row that starts mid-month', () => {
  it('counts only the working days from the 15th in October', () => {
    expect(workingDays(START, '2026-10-31')).toBe(12);
    expect(workingDays('2026-11-01', '2026-11-30')).toBe(21);
    expect(workingDays('2026-12-01', END)).toBe(23);
    expect(spreadQuota(START, END, 7_000_000n).map((s) => [s.month, s.cents])).toEqual([
      ['2026-10-01', 1_500_000n],
      ['2026-11-01', 2_625_000n],
      ['2026-12-01', 2_875_000n],
    ]);
  });

  it('leaves out the connection holidays: Thanksgiving 11-26 and Christmas 12-25', () => {
    // 12 + 20 + 22 = 54 working days; 54,000.00 → 12,000 / 20,000 / 22,000.
    expect(
      spreadQuota(START, END, 5_400_000n, ['2026-11-26', '2026-12-25']).map((s) => [s.month, s.cents]),
    ).toEqual([
      ['2026-10-01', 1_200_000n],
      ['2026-11-01', 2_000_000n],
      ['2026-12-01', 2_200_000n],
    ]);
  });

  it('also ends mid-month: 2026-10-15..2026-11-13 is 12 + 10 working days', () => {
    // November 2–6, 9–13 = 10; 22,000.00 → 12,000 and 10,000.
    expect(spreadQuota(START, '2026-11-13', 2_200_000n).map((s) => [s.month, s.cents])).toEqual([
      ['2026-10-01', 1_200_000n],
      ['2026-11-01', 1_000_000n],
    ]);
  });
});

describe('salesops quotas import of a mid-month row', () => {
  let t: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let acme: Connection;

  beforeAll(async () => {
    t = await createTestDatabase('metrics_quota_partial');
    dir = await mkdtemp(join(tmpdir(), 'salesops-quota-partial-'));
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

  it('stores October as its working-day share and reports it for the month and the quarter', async () => {
    const path = join(dir, 'q4.csv');
    await writeFile(
      path,
      `owner_email,period_start,period_end,amount\nalice@example.com,${START},${END},70000\n`,
    );
    const result = await runCapture(['quotas', 'import', path, '--connection', 'acme', '--json'], env);
    expect(result.code).toBe(0);
    const rows = await t.db
      .selectFrom('quotas')
      .select(['month', 'amount'])
      .where('connection_id', '=', acme.id)
      .where('owner_id', '=', 'a')
      .orderBy('month')
      .execute();
    // The shares computed in the header comment.
    expect(rows.map((r) => [r.month, r.amount])).toEqual([
      ['2026-10-01', '15000.00'],
      ['2026-11-01', '26250.00'],
      ['2026-12-01', '28750.00'],
    ]);
    const asOf = asOfInstant('2027-01-05', acme.timeZone);
    const quotaIn = async (period: string) =>
      (await computeAttainment(t.db, acme, { period: parsePeriod(period, acme), asOf })).reps.find(
        (r) => r.ownerEmail === 'alice@example.com',
      )?.quota;
    expect(await quotaIn('2026-10')).toBe(15_000);
    expect(await quotaIn('2026-Q4')).toBe(70_000);
  });

  it('says in one sentence which dates are reversed, naming each field once', async () => {
    const path = join(dir, 'reversed.csv');
    await writeFile(
      path,
      'owner_email,period_start,period_end,amount\nalice@example.com,2026-12-31,2026-10-15,5\n',
    );
    const refused = await runCapture(['quotas', 'import', path, '--connection', 'acme'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'line 2: period_end 2026-10-15 is before period_start 2026-12-31; swap the two dates',
    );
    expect(refused.stderr).not.toMatch(/period_end period_end/);
  });

  it('says a row needs an owner or a team without repeating the column name', async () => {
    const path = join(dir, 'nobody.csv');
    await writeFile(path, 'owner_email,period_start,period_end,amount\n,2026-10-01,2026-10-31,5\n');
    const refused = await runCapture(['quotas', 'import', path, '--connection', 'acme'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 2: row needs an owner_email or a team_name, one of the two');
    expect(refused.stderr).not.toMatch(/owner_email needs an owner_email/);
  });
});
