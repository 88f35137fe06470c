import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/**
 * Things a suite needs from the machine (a browser, the public datasets, a build). On a
 * developer's machine a missing one skips the suite loudly; under CI=true it is a failing test
 * instead, because a green CI that skipped the browser or the datasets has checked nothing.
 */
export interface Requirement {
  /** What was found (a path), or null. */
  readonly found: string | null;
  /** Pass to `describe.skipIf` / `it.skipIf`. */
  readonly missing: boolean;
}

/** True where the run must not skip: CI sets CI=true (GitHub, GitLab and our .ci/run alike). */
export function strictRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * Declares one requirement of the calling suite. When `found` is null it prints a loud SKIPPED
 * line, or under CI=true registers a test that fails with `hint`, so the skip cannot go unseen.
 */
export function requirement(what: string, found: string | null, hint: string): Requirement {
  if (found === null) {
    if (strictRun()) {
      describe(`requirement: ${what}`, () => {
        it('is present (CI=true makes a missing requirement a failure, not a skip)', () => {
          throw new Error(`${what} is missing under CI=true: ${hint}.`);
        });
      });
    } else {
      console.error(`\n!!! SKIPPED: ${what} is missing: ${hint}. Under CI=true this fails. !!!\n`);
    }
  }
  return Object.freeze({ found, missing: found === null });
}

/** Where Debian and Ubuntu install headless Chromium; the one lookup every browser test uses. */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'] as const;

export function findChromium(exists: (path: string) => boolean = existsSync): string | null {
  return CHROMIUM_PATHS.find((path) => exists(path)) ?? null;
}

export function needChromium(what: string): Requirement {
  return requirement(
    `Chromium for ${what}`,
    findChromium(),
    `install it with \`apt-get install -y chromium\` (looked for ${CHROMIUM_PATHS.join(' and ')})`,
  );
}

/** The public datasets of DESIGN §10 live beside the checkout, never inside it. */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

/** A dataset folder under ../shared/data, required to hold every listed file. */
export function needSharedData(dataset: string, files: readonly string[]): Requirement {
  const dir = `${SHARED_DATA_DIR}${dataset}/`;
  const present = files.every((file) => existsSync(`${dir}${file}`));
  return requirement(
    `the public dataset ${dataset} (${files.join(', ')})`,
    present ? dir : null,
    `expected under ${dir}; it lives in ../shared/data beside the checkout (DESIGN §10)`,
  );
}
