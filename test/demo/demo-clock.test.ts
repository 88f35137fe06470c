import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/app/demo-command.js';
import { runCli } from '../../src/app/run-cli.js';
import { captureRun } from '../../src/cli/cli-io.js';
import { dropDatabase } from '../../src/db.js';
import { demoDatabaseUrl } from '../../src/demo/run-demo.js';
import { REDIS_URL } from '../support/engine-harness.js';
import { uniqueDatabaseUrl } from '../support/test-db.js';

/**
 * One full demo on an injected clock at 09:00 UTC on 1 October, the morning the old demo showed an
 * empty quarter, read as a sales manager reads the printed summary (the JSON run is demo.test.ts).
 */
describe('salesops demo on the first day of a quarter', () => {
  const base = uniqueDatabaseUrl('democlock');
  const env: NodeJS.ProcessEnv = { DATABASE_URL: base, REDIS_URL, LOG_LEVEL: 'silent' };
  let result: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    const out = await mkdtemp(join(tmpdir(), 'salesops-demo-clock-'));
    const clock = new Date('2026-10-01T09:00:00Z');
    result = await captureRun(
      (_argv, io) =>
        runDemo(io, { seed: 7, deals: 800, json: false, outputDir: out, now: () => clock }, runCli),
      [],
      env,
    );
  }, 300_000);
  afterAll(() => dropDatabase(demoDatabaseUrl(env)));

  const section = (name: string) => {
    const start = result.stdout.indexOf(`(${name}) ━━`);
    const end = result.stdout.indexOf('━━', start + name.length + 6);
    return result.stdout.slice(start, end === -1 ? undefined : end);
  };

  it("reports a quarter that has wins in it, as of the sandbox company's own date", () => {
    expect(result.code, result.stderr).toBe(0);
    // HubSpot's sandbox is in New York: 00:00 UTC on 1 October is 30 September there, still Q3.
    const hub = section('demo-hubspot');
    expect(hub).toMatch(/Attainment, quarter 2026-Q3 \(2026-07-01 … 2026-09-30\), as of 2026-09-30:/);
    const total = /All reps: ([\d,]+) of/.exec(hub);
    expect(Number(total?.[1]?.replace(/,/g, ''))).toBeGreaterThan(0);
  });

  it('says "All reps" once per CRM and never repeats it as "Whole team"', () => {
    for (const name of ['demo-hubspot', 'demo-salesforce']) {
      expect(section(name).match(/All reps:/g)).toHaveLength(1);
    }
    expect(result.stdout).not.toMatch(/Whole team/);
  });

  it('formats forecast money like the attainment lines and names the Salesforce fiscal year', () => {
    const forecasts = result.stdout.split('\n').filter((l) => l.startsWith('Forecast'));
    expect(forecasts).toHaveLength(2);
    for (const line of forecasts) {
      expect(line).toMatch(/P10 [\d,]+ · P50 [\d,]+ · P90 [\d,]+;/);
      expect(line).not.toMatch(/USD \d/);
    }
    expect(section('demo-salesforce')).toMatch(/the fiscal year starts in February, FY2027 began 2026-02-01/);
  });

  it('names flagged reps by name with their email, like the table', () => {
    const flags = result.stdout.split('\n').filter((l) => l.trim().startsWith('FLAG'));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(flag).toMatch(/FLAG [A-Z][a-z]+ [A-Z][a-z]+ \([^)]+@[^)]+\):/);
  });
});
