import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATHS, findChromium, strictRun } from './requirements.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the fixture suite (two absent requirements) in a child vitest and returns its exit and output. */
function runFixture(ci: string | undefined): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (ci !== undefined) env.CI = ci;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--config',
        'test/support/requirement-fixture/vitest.config.ts',
      ],
      { cwd: root, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
}

describe('requirements of suites (browser, public datasets, a build)', () => {
  it('under CI=true a missing requirement fails the run and says what is missing', async () => {
    const run = await runFixture('true');
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('Chromium for the fixture is missing under CI=true');
    expect(run.output).toContain('the public dataset no-such-dataset (nothing.csv) is missing under CI=true');
  });

  it('without CI the same suite skips loudly and the run passes', async () => {
    const run = await runFixture(undefined);
    expect(run.code).toBe(0);
    expect(run.output).toContain('!!! SKIPPED: Chromium for the fixture is missing');
    expect(run.output).toMatch(/1 skipped/);
  });

  it('finds Chromium under either Debian name, the first that exists', () => {
    expect(findChromium((p) => p === '/usr/bin/chromium-browser')).toBe('/usr/bin/chromium-browser');
    expect(findChromium(() => true)).toBe(CHROMIUM_PATHS[0]);
    expect(findChromium(() => false)).toBeNull();
  });

  it('treats CI=true and CI=1 as strict, anything else as a developer run', () => {
    expect(strictRun({ CI: 'true' })).toBe(true);
    expect(strictRun({ CI: '1' })).toBe(true);
    expect(strictRun({ CI: 'false' })).toBe(false);
    expect(strictRun({})).toBe(false);
  });
});
