import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm run check` runs dependency-cruiser over the tree with .dependency-cruiser.cjs. This proves
 * the rules bite: each fixture file breaks one rule on purpose and is refused, by name of the rule.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const fixture = fileURLToPath(new URL('./architecture-fixture/', import.meta.url));

function cruise(cwd: string, paths: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        `${root}node_modules/dependency-cruiser/bin/dependency-cruise.mjs`,
        ...paths,
        '--config',
        `${root}.dependency-cruiser.cjs`,
      ],
      { cwd, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
}

describe('architecture rules', () => {
  it('refuses a connector that imports the app, naming the rule and the import', async () => {
    const run = await cruise(fixture, ['connectors', 'src']);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('connectors-stand-alone: connectors/reaches-up.ts → src/app-value.ts');
    expect(run.output).toMatch(/4 dependency violations \(4 errors/);
  });

  it('refuses a stage importing a stage, the ground importing a stage, and a surface building SQL', async () => {
    const run = await cruise(fixture, ['connectors', 'src']);
    expect(run.output).toContain('no-stage-imports-another: src/pull/reads-push.ts → src/push/push-value.ts');
    expect(run.output).toContain(
      'ground-imports-nothing-above: src/warehouse/reaches-up.ts → src/metrics/metric-value.ts',
    );
    expect(run.output).toMatch(/surfaces-hold-no-sql: src\/cli\/builds-sql\.ts → \S*node_modules\/kysely\//);
  });
});

/** A file past ~400 lines is probably two things (the team's style rule); 420 leaves room for a last comment. */
const MAX_LINES = 420;

describe('file size', () => {
  it(`keeps every source file under ${MAX_LINES} lines`, async () => {
    const long: string[] = [];
    let scanned = 0;
    for (const dir of ['src', 'workers', 'connectors', 'sandboxes', 'migrations', 'bench']) {
      for (const entry of await readdir(join(root, dir), { withFileTypes: true, recursive: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
        const path = join(entry.parentPath, entry.name);
        const lines = (await readFile(path, 'utf8')).split('\n').length;
        scanned += 1;
        if (lines > MAX_LINES) long.push(`${relative(root, path)}: ${lines} lines`);
      }
    }
    expect(scanned).toBeGreaterThan(100);
    expect(long).toEqual([]);
  });
});
