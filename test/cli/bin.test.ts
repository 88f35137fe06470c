import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../src/db.js';
import { requirement } from '../support/requirements.js';
import { uniqueDatabaseUrl } from '../support/test-db.js';

/**
 * The built bin, as users and scripts run it: a JS file under dist/, started from the repository
 * root. CI builds before testing; a plain `npm test` without a build skips this, loudly.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = 'dist/src/app/cli-main.js';
const build = requirement(
  `the built bin ${bin}`,
  existsSync(join(root, bin)) ? bin : null,
  'run `npm run build` first (.ci/run builds before it tests)',
);
const built = !build.missing;

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runBin(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe.skipIf(!built)('the built salesops bin', () => {
  const url = uniqueDatabaseUrl('bin');
  const env = {
    DATABASE_URL: url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
  };
  afterAll(() => dropDatabase(url));

  it('is the package bin and a node script', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin.salesops).toBe(bin);
    expect(readFileSync(join(root, bin), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('prints help and exits 0', async () => {
    const result = await runBin(['--help'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: salesops');
    expect(result.stdout).toContain('migrate');
    expect(result.stdout).toContain('connections');
  });

  it('migrates a new database with --json: one document on stdout, exit 0, twice', async () => {
    for (let i = 0; i < 2; i++) {
      const result = await runBin(['migrate', '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      const document = JSON.parse(result.stdout) as { schemaVersion: string };
      expect(document.schemaVersion).toMatch(/^\d{8}_\d{3}_/);
    }
  });

  it('exits 2 on an unknown command, with one line on stderr', async () => {
    const result = await runBin(['frobnicate'], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
