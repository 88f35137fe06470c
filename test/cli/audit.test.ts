import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnection } from '../support/fixtures.js';
import { needChromium } from '../support/requirements.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { SETTINGS_CSV, seedJuly } from './audit-seed.js';
import { runCapture } from './cli-run.js';

const chromiumBin = needChromium('opening the HTML audit report in a browser');

let t: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
let seeded: { leads: number; assignments: number };

function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCapture(argv, env);
}

const AUDIT = ['audit', 'leads', '--connection', 'acme', '--period', '2026-07'];

beforeAll(async () => {
  t = await createTestDatabase('cli_audit');
  dir = await mkdtemp(join(tmpdir(), 'salesops-audit-'));
  env = {
    DATABASE_URL: t.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  const connection = await insertConnection(t.db, { name: 'acme', timeZone: 'America/Chicago' });
  seeded = await seedJuly(t.db, connection.id);
  await writeFile(join(dir, 'reps.csv'), SETTINGS_CSV);
  const imported = await run(['settings', 'reps', join(dir, 'reps.csv'), '--connection', 'acme']);
  expect(imported.code).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await t.drop();
});

describe('salesops audit leads', () => {
  it('--json prints exactly the DESIGN §7 document', async () => {
    const result = await run([...AUDIT, '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(result.stdout);
    expect(Object.keys(doc).sort()).toEqual(
      [
        'period',
        'totalLeads',
        'gini',
        'jain',
        'cv',
        'maxMinRatio',
        'chiSquare',
        'qualityWeighted',
        'cherryPicking',
        'reps',
        'flags',
      ].sort(),
    );
    expect(doc.period).toEqual({ start: '2026-07-01', end: '2026-07-31' });
    expect(doc.totalLeads).toBe(seeded.leads);
    expect(Object.keys(doc.chiSquare).sort()).toEqual(['dof', 'pValue', 'statistic']);
    expect(Object.keys(doc.qualityWeighted).sort()).toEqual(['chiSquare', 'gini']);
    expect(doc.chiSquare.dof).toBe(6);
    for (const rep of doc.reps)
      expect(Object.keys(rep).sort()).toEqual(['avgQuality', 'expected', 'ownerEmail', 'received']);
    for (const flag of doc.flags) {
      expect(Object.keys(flag).sort()).toEqual(
        ['expected', 'kind', 'leadIds', 'ownerEmail', 'pValue', 'reason', 'received'].sort(),
      );
    }
    // The planted favourite is flagged, the queue never appears, Hugo's three leads are one flag.
    expect(doc.flags[0]).toMatchObject({ ownerEmail: 'ben@acme.example', kind: 'more-leads', leadIds: [] });
    expect(doc.flags[0].reason).toMatch(/^more leads than expected/);
    expect(doc.reps.map((r: { ownerEmail: string }) => r.ownerEmail)).not.toContain('inbound@acme.example');
    const hugo = doc.flags.filter((f: { ownerEmail: string }) => f.ownerEmail === 'hugo@acme.example');
    expect(hugo).toHaveLength(1);
    expect(hugo[0]).toMatchObject({ kind: 'outside-rotation', received: 3, expected: 0, pValue: null });
    expect(hugo[0].leadIds).toHaveLength(3);
    expect(hugo[0].reason).toMatch(
      /^hugo@acme\.example is outside the rotation .* but received 3 leads between 2026-07-08 and /,
    );
    for (const id of hugo[0].leadIds) expect(hugo[0].reason).toContain(id);
    expect(doc.cherryPicking.pValue).toBeLessThan(0.05);
    // Chloe was away 12 of 31 days and Farid joined mid-month: their fair shares are smaller.
    const expected = Object.fromEntries(
      doc.reps.map((r: { ownerEmail: string; expected: number }) => [r.ownerEmail, r.expected]),
    );
    expect(expected['chloe@acme.example']).toBeLessThan(expected['ana@acme.example'] * 0.75);
    expect(expected['dev@acme.example']).toBeGreaterThan(expected['ana@acme.example'] * 1.6);
  });

  it('prints a table by default', async () => {
    const result = await run(AUDIT);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/rotation from rep settings/);
    expect(result.stdout).toMatch(/ben@acme\.example.*MORE/);
    expect(result.stdout.match(/^FLAG hugo@acme\.example/gm)).toHaveLength(1);
    expect(result.stdout).toMatch(
      /FLAG hugo@acme\.example: .* received 3 leads between 2026-07-08 and .*: L\d+, L\d+, L\d+/,
    );
  });

  it('--csv prints one row per assignment, queue hops included', async () => {
    const result = await run([...AUDIT, '--csv']);
    expect(result.code).toBe(0);
    const rows: Record<string, string>[] = parse(result.stdout, { columns: true });
    expect(rows).toHaveLength(seeded.assignments);
    expect(rows.filter((r) => r.counted === 'true')).toHaveLength(seeded.leads);
    expect(rows.find((r) => r.owner_email === 'inbound@acme.example')?.note).toMatch(/queue/);
    expect(rows.filter((r) => r.note?.startsWith('lead '))).toHaveLength(3);
  });

  it('refuses two output formats and a bad period with one sentence', async () => {
    expect((await run([...AUDIT, '--json', '--csv'])).code).toBe(2);
    const bad = await run(['audit', 'leads', '--connection', 'acme', '--period', 'July']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--period expects a fiscal quarter/);
  });

  it('--html writes a self-contained report', async () => {
    const file = join(dir, 'report.html');
    const result = await run([...AUDIT, '--html', file]);
    expect(result.code).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|@import|url\(http|src="http/i);
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(3);
    // Summary and chart come before any list; Hugo's three leads are one flag.
    expect(html.indexOf('id="chart-received"')).toBeLessThan(html.indexOf('<ul class="flags"'));
    expect(html.indexOf('class="cards"')).toBeLessThan(html.indexOf('<ul class="flags"'));
    expect(html.match(/<li><span class="tag"[^>]*>outside rotation/g)).toHaveLength(1);
  });

  it.skipIf(chromiumBin.missing)('the HTML report renders in headless Chromium with no network', async () => {
    const file = join(dir, 'browser.html');
    expect((await run([...AUDIT, '--html', file])).code).toBe(0);
    const browser = await chromium.launch({
      executablePath: chromiumBin.found ?? undefined,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
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
      for (const id of ['chart-received', 'chart-lorenz', 'chart-quality']) {
        const shapes = await page.locator(`#${id} svg path, #${id} svg rect`).count();
        expect(shapes, `${id} has drawn shapes`).toBeGreaterThan(5);
        const box = await page.locator(`#${id} svg`).boundingBox();
        expect(box?.width).toBeGreaterThan(200);
      }
      // What the eye sees: no chart text runs into other text (the legends did), no value label
      // sits under a fair-share tick, and bars read from most leads to fewest.
      type Box = { x: number; y: number; width: number; height: number; text: string };
      const overlap = (a: Box, b: Box) =>
        a.x < b.x + b.width - 1 &&
        b.x < a.x + a.width - 1 &&
        a.y < b.y + b.height - 1 &&
        b.y < a.y + a.height - 1;
      const boxes = (selector: string) =>
        page.$$eval(selector, (els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height, text: el.textContent ?? '' };
          }),
        );
      for (const id of ['chart-received', 'chart-lorenz', 'chart-quality']) {
        const texts = (await boxes(`#${id} svg text`)).filter((b) => b.width > 0 && b.text.trim() !== '');
        for (const [i, a] of texts.entries())
          for (const b of texts.slice(i + 1))
            expect(overlap(a, b), `${id}: "${a.text}" overlaps "${b.text}"`).toBe(false);
        // Small shapes are legend icons, ticks and point markers: none may sit on a text.
        const marks = (await boxes(`#${id} svg path`)).filter((b) => b.width <= 30 && b.height <= 30);
        for (const text of texts)
          for (const mark of marks)
            expect(overlap(text, mark), `${id}: "${text.text}" runs into a mark`).toBe(false);
      }
      const ticks = await boxes('#chart-received svg path[fill="#1f2d3d"]');
      expect(ticks.length).toBeGreaterThanOrEqual(8);
      const numbers = (await boxes('#chart-received svg text')).filter((b) => /^\d+$/.test(b.text));
      const axisRow = Math.max(...numbers.map((b) => b.y));
      const values = numbers.filter((b) => b.y < axisRow - 5).sort((a, b) => a.y - b.y);
      expect(values).toHaveLength(ticks.length);
      for (const value of values)
        for (const tick of ticks)
          expect(overlap(value, { ...tick, text: '' }), `label ${value.text} under a tick`).toBe(false);
      const received = values.map((b) => Number(b.text));
      expect(received).toEqual([...received].sort((a, b) => b - a));
      await expect(page.locator('ul.flags li').count()).resolves.toBeGreaterThanOrEqual(3);
      expect(await page.locator('ul.flags').textContent()).toMatch(/Ben|ben@acme\.example/);
      expect(await page.locator('h1').textContent()).toBe('Was lead distribution fair?');
      if (process.env.SALESOPS_UPDATE_SCREENSHOT === '1') {
        await page.screenshot({ path: 'docs/audit-report.png', fullPage: true });
      }
    } finally {
      await browser.close();
    }
  });
});
