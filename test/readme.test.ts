import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../sandboxes/hubspot/index.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/index.js';
import { runCapture } from './cli/cli-run.js';
import { REDIS_URL } from './support/engine-harness.js';
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from './support/test-db.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The `salesops …` lines of the README's "Your first real connection" section, in order. */
async function firstConnectionCommands(): Promise<string[]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.split('## Your first real connection')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => (block[1] ?? '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('salesops '));
}

/** Splits a shell line into words (the README uses only plain words and double quotes). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

describe('README: your first real connection', () => {
  let t: TestDatabase;
  let hubspot: HubspotSandbox;
  let salesforce: SalesforceSandbox;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase('readme');
    hubspot = await startHubspotSandbox({ seed: 3, deals: 300, contacts: 300 });
    salesforce = await startSalesforceSandbox({
      seed: 4,
      deals: 300,
      leads: 300,
      strictFieldPermissions: true,
    });
    dir = await mkdtemp(join(tmpdir(), 'salesops-readme-'));
    await writeFile(join(dir, 'hubspot-token.txt'), `${hubspot.accessToken}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'sf-secret.txt'), `${salesforce.clientSecret}\n`, { mode: 0o600 });
    env = {
      DATABASE_URL: t.url,
      REDIS_URL,
      SALESOPS_QUEUE_PREFIX: uniqueQueuePrefix('readme'),
      SALESOPS_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await hubspot?.close();
    await salesforce?.close();
    await t?.drop();
  });

  /** The README's placeholders, pointed at the sandboxes; nothing else in the command changes. */
  const localize = (argv: string[]): string[] => {
    const out = argv.map((word) => {
      if (word === 'hubspot-token.txt' || word === 'sf-secret.txt' || word.endsWith('.csv'))
        return join(dir, word);
      if (word === 'https://acme.my.salesforce.com') return salesforce.instanceUrl;
      if (word === 'CONSUMER_KEY') return salesforce.clientId;
      return word;
    });
    // A real portal is at the default api.hubapi.com; the sandbox is on this machine.
    if (out[1] === 'connections' && out[2] === 'add' && out[3] === 'hubspot')
      out.push('--base-url', hubspot.baseUrl);
    return out;
  };

  it('every command in the section works, in order', async () => {
    const commands = await firstConnectionCommands();
    // The section's shape: HubSpot (4), Salesforce (4), quotas/settings/schedule/worker (4).
    expect(commands).toHaveLength(12);
    for (const line of commands) {
      const argv = localize(words(line)).slice(1);
      if (argv[0] === 'quotas' || argv[0] === 'settings') await writeImportFile(argv[0], argv[2] as string);
      if (argv[0] === 'worker') {
        await runWorkerUntilTerm(env);
        continue;
      }
      const result = await runCapture(argv, env);
      expect({ line, code: result.code, stderr: result.stderr }).toEqual({ line, code: 0, stderr: '' });
    }
    const list = await runCapture(['schedule', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { name: 'acme', cron: '0 */2 * * *', timeZone: 'Europe/Berlin', enabled: true },
    ]);
  });

  async function writeImportFile(kind: 'quotas' | 'settings', path: string): Promise<void> {
    // Real owners of the synced portal, as an admin's file would name them.
    const owners = await t.db
      .selectFrom('owners')
      .innerJoin('connections', 'connections.id', 'owners.connection_id')
      .select('owners.email')
      .where('connections.name', '=', 'acme')
      .where('owners.active', '=', true)
      .where('owners.email', 'is not', null)
      .orderBy('owners.email')
      .limit(3)
      .execute();
    expect(owners.length).toBeGreaterThan(0);
    const rows =
      kind === 'quotas'
        ? [
            'owner_email,period_start,period_end,amount',
            ...owners.map((o) => `${o.email},2026-10-01,2026-12-31,90000`),
          ]
        : ['owner_email,lead_weight', ...owners.map((o) => `${o.email},1`)];
    await writeFile(path, `${rows.join('\n')}\n`);
  }
});

/** `salesops worker` as a real process: it starts, and SIGTERM makes it drain and exit 0. */
async function runWorkerUntilTerm(env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/cli-main.ts', 'worker'], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${log}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  expect(log).toMatch(/shutting down/);
}
