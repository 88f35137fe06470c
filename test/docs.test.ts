import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The claims the documentation makes about the repository, checked against it: a clone holds
 * every file a README links, and the test README's list of places that wait on real time is the
 * whole list.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'dist', 'salesops-demo', 'coverage']);

function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, keep);
    return keep(name) ? [path] : [];
  });
}

describe('documentation', () => {
  it('links only files that exist inside the repository', () => {
    const broken: string[] = [];
    for (const file of files(root, (name) => name.endsWith('.md'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (match[1] as string).split('#')[0] as string;
        if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // anchors and URLs
        const path = resolve(dirname(file), target);
        const inside = !relative(root, path).startsWith('..');
        let exists = false;
        try {
          statSync(path);
          exists = true;
        } catch {}
        if (!inside || !exists) broken.push(`${relative(root, file)} → ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('test/README lists every test file that waits on real time', () => {
    // Each entry is a place test/README.md names; a new sleep must be argued there first.
    const allowed = new Set([
      'test/connectors/fixtures/budget-hammer.ts', // multi-process budget on Redis's clock
      'test/connectors/rate-budget.test.ts', // the same
      'test/connectors/hubspot/harness.ts', // connector clock against the sandbox's real windows
      'test/connectors/salesforce/harness.ts', // the same
      'test/connectors/salesforce/fixtures/sandbox-worker.ts', // the same, in a child process
      'test/connectors/hubspot/http-errors.test.ts', // a nock delay that trips the request time-out
      'test/engine/sync-engine.test.ts', // 25 ms poll until a run appears
      'test/support/child-process.ts', // 25 ms poll and a start-up time-out
      'test/support/memory-connector.ts', // page delay so a SIGKILL lands mid-pull
      'test/readme.test.ts', // start-up time-out of a real worker process
    ]);
    const waiting = files(join(root, 'test'), (name) => name.endsWith('.ts'))
      .filter((file) => /setTimeout\(|\.delay\(\d|sleep\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file))
      .filter((file) => file !== 'test/docs.test.ts');
    expect(waiting.filter((file) => !allowed.has(file))).toEqual([]);
  });

  it('the README states the test suite duration it was measured at, not "a few minutes"', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/few minutes/);
    expect(readme).toMatch(/npm test .*about \d+–\d+ minutes/);
  });
});
