import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox } from '../../sandboxes/hubspot/index.js';
import type { HubspotSandbox } from '../../sandboxes/hubspot/sandbox-api.js';
import { runCapture } from '../cli/cli-run.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { requirement } from '../support/requirements.js';

/**
 * `salesops sync` as a person sees it: the bin (under tsx) on a pseudo-terminal made by
 * util-linux `script`, against a HubSpot sandbox whose 10-second window allows 6 requests. The
 * budget adopts the sandbox's X-HubSpot-RateLimit-Max on the first answer, so a pull of a dozen
 * requests must wait for the window at least once, and the progress line must say so in words.
 * The same sync without a terminal prints the JSON document alone on stdout.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const script = requirement(
  'util-linux script (a pseudo-terminal for the progress line)',
  existsSync('/usr/bin/script') ? '/usr/bin/script' : null,
  'install util-linux (`apt-get install -y util-linux`)',
);

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** What a terminal shows of the bytes: carriage returns as line ends, escape sequences gone. */
function screenText(raw: string): string {
  // cli-progress redraws by moving the cursor to column 0 (ESC [ 0 G / ESC [ 1 G): a new line here.
  const ESC = String.fromCharCode(27);
  return raw
    .replace(new RegExp(`${ESC}\\[[01]?G`, 'g'), '\n')
    .replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '')
    .replace(/\r\n?/g, '\n');
}

const bin = `${process.execPath} --import tsx src/app/cli-main.ts`;

describe.skipIf(script.missing)('the progress line of salesops sync on a terminal', () => {
  let h: EngineHarness;
  let sandbox: HubspotSandbox;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    h = await createEngineHarness('sync_tty');
    // 60 deals and 40 contacts: one page each, so the pull is about a dozen requests (account,
    // owners, pipelines, deals, their history, contacts, theirs) against 6 per 10 s.
    sandbox = await startHubspotSandbox({ seed: 7, deals: 60, contacts: 40, rateLimit: 6 });
    env = {
      DATABASE_URL: h.database.url,
      REDIS_URL,
      SALESOPS_QUEUE_PREFIX: h.prefix,
      SALESOPS_SECRET_KEY: h.secretKey.toString('base64'),
    };
    const added = await runCapture(
      [
        'connections',
        'add',
        'hubspot',
        '--name',
        'acme',
        '--access-token',
        sandbox.accessToken,
        '--base-url',
        sandbox.baseUrl,
      ],
      { ...env, LOG_LEVEL: 'silent' },
    );
    expect(added.code, added.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await sandbox?.close();
    await h?.close();
  });

  it('shows a line per stage, the window wait in words, and no info logs', async () => {
    // A wide terminal, so the finished lines (which cli-progress cuts at the width) keep every count.
    const result = await run(
      script.found as string,
      ['-qfec', `stty cols 200 rows 40; exec ${bin} sync acme --no-push`, '/dev/null'],
      env,
    );
    const screen = screenText(result.stdout);
    expect(result.code, screen).toBe(0);
    expect(screen).toMatch(/waiting (\d+|0\.\d) s for HubSpot's 10-second window/);
    expect(screen).toMatch(/^✓ route {3}new leads routed$/m);
    // Compute: the three metric steps and compensation (workers/stages.ts).
    expect(screen).toMatch(/^✓ compute 4 steps computed$/m);
    // LOG_LEVEL is unset: below warn nothing reaches the terminal.
    expect(screen).not.toContain('"level":"info"');

    // The finished pull line against the run record's counts, printed in the summary table.
    const table = screen.match(/│ owners.*\n.*\n│ ([\d ]+)│ ([\d ]+)│ ([\d ]+)│ ([\d ]+)│/);
    expect(table, screen).not.toBeNull();
    const [owners, pipelines, deals, leads] = (table as RegExpMatchArray).slice(1, 5).map((n) => n.trim());
    // 60 deals and 40 contacts as the sandbox was seeded (all live: none archived at seed time).
    expect([deals, leads]).toEqual(['60', '40']);
    const pull = screen.match(/^✓ pull {4}(.*) \((\d+) pages?\)$/m);
    expect(pull, screen).not.toBeNull();
    expect((pull as RegExpMatchArray)[1]).toBe(
      `owners ${owners} · pipelines ${pipelines} · deals ${deals} · leads ${leads}`,
    );
  }, 120_000);

  it('without a terminal prints the JSON document alone on stdout and JSON logs on stderr', async () => {
    const result = await run(
      process.execPath,
      ['--import', 'tsx', 'src/app/cli-main.ts', 'sync', 'acme', '--no-push', '--json'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as { status: string };
    expect(document.status).toBe('succeeded');
    const logs = result.stderr.trimEnd().split('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(() => JSON.parse(line), line).not.toThrow();
    expect(result.stderr).not.toContain('waiting');
  }, 120_000);
});
