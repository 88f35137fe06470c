import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCompStatements } from '../../src/comp/comp-step.js';
import { parsePlanFile } from '../../src/comp/plan-file.js';
import { addPlanVersion, upsertAssignments } from '../../src/warehouse/comp-tables.js';
import { seed, seedPipeline } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { needChromium } from '../support/requirements.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { runCapture } from './cli-run.js';

const chromiumBin = needChromium('opening the HTML compensation statement in a browser');

/**
 * `comp statements --json|--html` over the seed of test/comp/comp-step.test.ts (2026-Q1, the
 * 75/25 plan of docs/examples/plan-75-25.yaml, prorate 1), computed as of Feb 1. The totals,
 * by hand (see that test's comment for the derivation):
 * - alice: attainment 150,000 ÷ 100,000 = 1.5 → 0.75 × 20,000 × 2.0 = 30,000; East
 *   (150,000 + 100,000) ÷ 200,000 = 1.25 → 0.25 × 20,000 × 1.25 = 6,250; total 36,250.
 * - bob: 1.0 → 15,000 + 6,250 = 21,250.
 * - carol: 0.8 → 12,000; West (40,000 + 30,000) ÷ 150,000 = 7/15 → 2,333.33; total 14,333.33.
 * walt is on a monthly copy of the plan, so a quarter asked of him lists three statements.
 */
let t: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (argv: readonly string[]) => runCapture(argv, env);
const Q1 = ['comp', 'statements', '--connection', 'acme', '--period', '2026-Q1'];
const HOSTILE = '<script>alert(1)</script> R&D "big"';

beforeAll(async () => {
  t = await createTestDatabase('cli_comp_statements');
  dir = await mkdtemp(join(tmpdir(), 'salesops-comp-'));
  env = {
    DATABASE_URL: t.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  const connection = await insertConnection(t.db, { name: 'acme' });
  const c = connection.id;
  await seedPipeline(t.db, c);
  const q = (owner: string, amounts: [number, number, number]) =>
    (['2026-01-01', '2026-02-01', '2026-03-01'] as const).map((month, i) => ({
      owner,
      month,
      amount: amounts[i] as number,
    }));
  await seed(t.db, c, {
    owners: [
      { id: 'a', email: 'alice@example.com', name: 'Alice Ames' },
      { id: 'b', email: 'bob@example.com', name: 'Bob Brown' },
      { id: 'c', email: 'carol@example.com', name: 'Carol Chen' },
      { id: 'w', email: 'walt@example.com', name: 'Walt West' },
    ],
    teams: [
      { id: 'east', name: 'East', members: ['a', 'b'] },
      { id: 'west', name: 'West', members: ['c', 'w'] },
    ],
    deals: [
      { id: 'd1', owner: 'a', stage: 'w', amount: 120_000, closeDate: '2026-01-10' },
      { id: 'd2', owner: 'b', stage: 'w', amount: 80_000, closeDate: '2026-01-05' },
      { id: 'd3', owner: 'a', stage: 'w', amount: 50_000, closeDate: '2026-01-12' },
      { id: 'd4', owner: 'c', stage: 'w', amount: 40_000, closeDate: '2026-01-20' },
      { id: 'd5', owner: 'w', stage: 'w', amount: 30_000, closeDate: '2026-01-22' },
    ],
    splits: [
      { deal: 'd3', owner: 'a', percent: 60 },
      { deal: 'd3', owner: 'b', percent: 40 },
    ],
    quotas: [
      ...q('a', [30_000, 30_000, 40_000]),
      ...q('b', [30_000, 30_000, 40_000]),
      ...q('c', [15_000, 15_000, 20_000]),
      ...q('w', [30_000, 30_000, 40_000]),
    ],
  });
  await t.db.updateTable('deals').set({ name: HOSTILE }).where('external_id', '=', 'd1').execute();
  const yaml = await readFile(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url), 'utf8');
  const monthly = yaml
    .replace('name: AE 2027', 'name: AE monthly')
    .replace('payoutPeriod: quarter', 'payoutPeriod: month');
  for (const text of [yaml, monthly]) {
    const parsed = parsePlanFile(text);
    if (!parsed.ok) throw new Error('the example plans must parse');
    await addPlanVersion(t.db, { name: parsed.plan.name, hash: parsed.plan.hash, yaml: text, parsed: '{}' });
  }
  const assign = (owner: string, plan: string) => ({
    connection_id: c,
    owner_id: owner,
    plan_name: plan,
    start_date: '2026-01-01',
    end_date: '2026-12-31',
    target_incentive: null,
    draw: null,
  });
  await upsertAssignments(t.db, [
    assign('a', 'AE 2027'),
    assign('b', 'AE 2027'),
    assign('c', 'AE 2027'),
    assign('w', 'AE monthly'),
  ]);
  await computeCompStatements(t.db, connection, { asOf: new Date('2026-03-02T12:00:00Z'), replay: false });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await t.drop();
});

interface Doc {
  closed: boolean;
  statements: { ownerEmail: string; period: { key: string }; total: number; credits: { name: string }[] }[];
}

describe('salesops comp statements', () => {
  it('--json: the quarterly reps, and the monthly plan as its three months', async () => {
    const result = await run([...Q1, '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(result.stdout) as Doc;
    expect(doc.statements.map((s) => [s.ownerEmail, s.period.key, s.total])).toEqual([
      ['alice@example.com', '2026-Q1', 36_250],
      ['bob@example.com', '2026-Q1', 21_250],
      ['carol@example.com', '2026-Q1', 14_333.33],
      // walt's months: the quarter's three, each the statement a month request gives.
      ['walt@example.com', '2026-01', expect.any(Number)],
      ['walt@example.com', '2026-02', expect.any(Number)],
      ['walt@example.com', '2026-03', expect.any(Number)],
    ]);
    for (const month of ['2026-01', '2026-02', '2026-03']) {
      const one = JSON.parse(
        (
          await run([
            'comp',
            'statements',
            '--connection',
            'acme',
            '--period',
            month,
            '--rep',
            'walt@example.com',
            '--json',
          ])
        ).stdout,
      ) as Doc;
      expect(one.statements).toEqual(doc.statements.filter((s) => s.period.key === month));
    }
  });

  it('refuses a month asked of reps paid per quarter, naming the quarter to ask', async () => {
    const result = await run([
      'comp',
      'statements',
      '--connection',
      'acme',
      '--period',
      '2026-02',
      '--rep',
      'alice@example.com',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'These reps are paid per quarter, so 2026-02 has no statement of its own; ask for --period 2026-Q1.',
    );
  });

  it('--html escapes what the CRM sent and shows one total per statement', async () => {
    const file = join(dir, 'q1.html');
    const result = await run([...Q1, '--html', file]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const html = await readFile(file, 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D &quot;big&quot;');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html.match(/<section class="statement"/g)).toHaveLength(6);
  });

  it.skipIf(chromiumBin.missing)(
    '--html renders in headless Chromium, offline, with the totals of --json',
    async () => {
      const file = join(dir, 'browser.html');
      expect((await run([...Q1, '--html', file])).code).toBe(0);
      const doc = JSON.parse((await run([...Q1, '--json'])).stdout) as Doc;
      const browser = await chromium.launch({
        executablePath: chromiumBin.found ?? undefined,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
        const external: string[] = [];
        await page.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith('file:')) return route.continue();
          external.push(url);
          return route.abort();
        });
        await page.goto(`file://${file}`);
        expect(external).toEqual([]);
        const shown = await page.$$eval('section.statement', (sections) =>
          sections.map((s) => [
            s.getAttribute('data-rep'),
            s.querySelector('.total-amount')?.textContent ?? '',
            s.querySelector('.total-amount')?.getBoundingClientRect().width ?? 0,
          ]),
        );
        // The text a rep reads ("36,250.00 USD") parsed back equals the JSON's total.
        expect(
          shown.map(([rep, text]) => [
            rep,
            Number(
              String(text)
                .replace(/[^\d.−-]/g, '')
                .replace('−', '-'),
            ),
          ]),
        ).toEqual(doc.statements.map((s) => [s.ownerEmail, s.total]));
        for (const [, , width] of shown) expect(width).toBeGreaterThan(0);
        // The hostile deal name reads as text, and no script ran.
        expect(await page.locator('table.credits').first().textContent()).toContain(HOSTILE);
        if (process.env.SALESOPS_UPDATE_SCREENSHOT === '1') {
          // The page's heading and the first rep's statement, as a rep opens it.
          const box = await page.locator('section.statement').first().boundingBox();
          const height = Math.ceil((box?.y ?? 0) + (box?.height ?? 0) + 24);
          await page.screenshot({
            path: 'docs/images/comp-statement.png',
            clip: { x: 0, y: 0, width: 900, height },
          });
        }
      } finally {
        await browser.close();
      }
    },
  );
});
