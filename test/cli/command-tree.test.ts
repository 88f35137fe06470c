import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../../sandboxes/hubspot/index.js';
import { buildProgram } from '../../src/app/build-program.js';
import { createCliContext } from '../../src/cli/cli-context.js';
import { REDIS_URL } from '../support/engine-harness.js';
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from '../support/test-db.js';
import { runCapture } from './cli-run.js';

/**
 * Every leaf of the commander tree runs for real against one seeded warehouse (a HubSpot sandbox
 * synced by the `sync` leaf), not only `--help`: a command whose flags cannot be parsed, or that
 * crashes on real data, fails here. A new leaf without a row in LEAVES fails the guard below.
 */

// The sandbox's "today", and the --as-of every dated command gets, so figures do not drift.
const NOW = new Date('2026-11-16T12:00:00Z');
const AS_OF = '2026-11-16';

interface Ctx {
  readonly dir: string;
  readonly hubspot: HubspotSandbox;
  readonly ownerEmails: () => Promise<string[]>;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Leaf {
  readonly argv: (c: Ctx) => Promise<string[]> | string[];
  /** DESIGN §7 exit code; 0 unless the row says otherwise. */
  readonly code?: number;
  /** What a person (or script) must see; each row checks content, not only the exit code. */
  readonly check: (r: Run) => void;
}

/** Long-running processes run elsewhere, as real processes; the guard still needs them named. */
const ELSEWHERE: Record<string, string> = {
  worker: 'test/readme.test.ts spawns it and checks that SIGTERM drains it with exit 0',
  demo: 'test/demo/demo.test.ts runs the whole demo',
  'alerts test': 'posts to a webhook: test/alerts/alerts-command.test.ts runs it against a local receiver',
  serve: 'test/app/serve-command.test.ts spawns it, calls it over HTTP and stops it with SIGTERM',
  'runs cancel': 'test/cli/runs.test.ts cancels a real sync between pages and refuses a finished run',
  'sandbox hubspot': 'serves until a signal; test/sandboxes/hubspot/* cover the server',
  'sandbox salesforce': 'serves until a signal; test/sandboxes/salesforce/* cover the server',
};

const json = (r: Run): unknown => JSON.parse(r.stdout);
const Q = ['--connection', 'acme', '--period', '2026-Q4', '--as-of', AS_OF];

/** In run order: later rows use what earlier ones created. */
const LEAVES: Record<string, Leaf> = {
  migrate: {
    argv: () => ['migrate', '--json'],
    check: (r) => expect((json(r) as { schemaVersion: string }).schemaVersion).toMatch(/^\d{8}_\d{3}_/),
  },
  'connections add hubspot': {
    argv: (c) => [
      'connections',
      'add',
      'hubspot',
      '--name',
      'acme',
      '--access-token-file',
      join(c.dir, 'token.txt'),
      '--base-url',
      c.hubspot.baseUrl,
      '--tier',
      'professional',
    ],
    check: (r) =>
      expect(r.stdout).toBe('Added HubSpot connection "acme" (private_app, tier professional).\n'),
  },
  'connections add salesforce': {
    argv: () => [
      'connections',
      'add',
      'salesforce',
      '--name',
      'sf',
      '--instance-url',
      'https://acme.my.salesforce.com',
      '--access-token',
      '00Dfake!token',
      '--json',
    ],
    check: (r) =>
      expect(json(r)).toEqual({ name: 'sf', kind: 'salesforce', baseUrl: 'https://acme.my.salesforce.com' }),
  },
  'connections list': {
    argv: () => ['connections', 'list', '--json'],
    check: (r) => expect((json(r) as { name: string }[]).map((c) => c.name)).toEqual(['acme', 'sf']),
  },
  'connections set': {
    argv: () => ['connections', 'set', 'acme', '--tz', 'UTC', '--json'],
    check: (r) => expect(json(r)).toMatchObject({ name: 'acme', timeZone: 'UTC' }),
  },
  'connections test': {
    argv: () => ['connections', 'test', 'acme', '--json'],
    check: (r) => expect(json(r)).toMatchObject({ name: 'acme', kind: 'hubspot', ok: true }),
  },
  'connections remove': {
    argv: () => ['connections', 'remove', 'sf', '--json'],
    check: (r) => expect(json(r)).toEqual({ name: 'sf', removed: true, purged: false }),
  },
  sync: {
    argv: () => ['sync', 'acme', '--as-of', AS_OF, '--json'],
    check: (r) => {
      const doc = json(r) as { status: string; pulled: { deals: number; owners: number } };
      expect(doc.status).toBe('succeeded');
      // The sandbox was generated with 200 deals; a first sync reads every one.
      expect(doc.pulled.deals).toBe(200);
    },
  },
  runs: {
    argv: () => ['runs', '--connection', 'acme', '--json'],
    check: (r) => {
      // The one sync above (run 1 of a fresh database), started from the CLI.
      const [run, ...rest] = json(r) as {
        runId: number;
        trigger: string;
        status: string;
        pulled: { deals: number };
      }[];
      expect(rest).toEqual([]);
      expect(run).toMatchObject({ runId: 1, trigger: 'cli', status: 'succeeded', pulled: { deals: 200 } });
    },
  },
  'runs show': {
    argv: () => ['runs', 'show', '1', '--json'],
    check: (r) => {
      const doc = json(r) as { runId: number; stages: { stage: string; counts: Record<string, number> }[] };
      expect(doc.runId).toBe(1);
      expect(doc.stages.map((s) => s.stage)).toEqual(['pull', 'route', 'compute', 'push']);
      expect(doc.stages[0]?.counts['deals']).toBe(200);
    },
  },
  'quotas import': {
    argv: async (c) => {
      const file = join(c.dir, 'quotas.csv');
      const rows = (await c.ownerEmails()).map((e) => `${e},2026-10-01,2026-12-31,90000`);
      await writeFile(file, `owner_email,period_start,period_end,amount\n${rows.join('\n')}\n`);
      return ['quotas', 'import', file, '--connection', 'acme', '--json'];
    },
    // 3 owners × Oct, Nov, Dec = 9 owner-months; 3 × 90,000 = 270,000.
    check: (r) => expect(json(r)).toMatchObject({ rows: 3, months: 9, total: 270_000, skipped: [] }),
  },
  'settings reps': {
    argv: async (c) => {
      const file = join(c.dir, 'reps.csv');
      const rows = (await c.ownerEmails()).map((e) => `${e},1`);
      await writeFile(file, `owner_email,lead_weight\n${rows.join('\n')}\n`);
      return ['settings', 'reps', file, '--connection', 'acme', '--json'];
    },
    check: (r) => expect(json(r)).toMatchObject({ owners: 3, windows: 3, skipped: [] }),
  },
  'route rules': {
    argv: async (c) => {
      const file = join(c.dir, 'routing.yaml');
      await writeFile(file, 'fallback: Everyone\npools:\n  - name: Everyone\n    members: rotation\n');
      return ['route', 'rules', file, '--connection', 'acme', '--json'];
    },
    // One pool, the 3 reps of `settings reps` by rotation; first install of this version.
    check: (r) =>
      expect(json(r)).toMatchObject({
        ok: true,
        changed: true,
        pools: [{ name: 'Everyone', members: 'rotation' }],
      }),
  },
  'route explain': {
    // The sandbox's leads all predate the rules just installed, so none was routed.
    argv: () => ['route', 'explain', '1', '--connection', 'acme', '--json'],
    check: (r) =>
      expect(json(r)).toEqual({ leadId: '1', currentOwner: null, manualOverride: false, decisions: [] }),
  },
  'route report': {
    argv: () => ['route', 'report', '--connection', 'acme', '--period', '2026-Q4', '--json'],
    check: (r) => expect(json(r)).toMatchObject({ routed: 0, manualOverrides: 0, reps: [], pools: [] }),
  },
  'route simulate': {
    argv: () => [
      'route',
      'simulate',
      '--connection',
      'acme',
      '--from',
      '2026-10-01',
      '--to',
      '2026-12-31',
      '--json',
    ],
    check: (r) => {
      const doc = json(r) as {
        from: string;
        to: string;
        leads: number;
        unrouted: number;
        simulated: { reps: { ownerEmail: string; received: number }[] };
      };
      expect(doc).toMatchObject({ from: '2026-10-01', to: '2026-12-31' });
      // One rotation pool of the 3 reps set above: every lead the rules could route went to one of them.
      expect(doc.simulated.reps).toHaveLength(3);
      expect(doc.simulated.reps.reduce((a, x) => a + x.received, 0)).toBe(doc.leads - doc.unrouted);
    },
  },
  'report attainment': {
    argv: () => ['report', 'attainment', ...Q, '--json'],
    check: (r) => {
      const doc = json(r) as { period: unknown; reps: { quota: number | null }[] };
      expect(doc.period).toEqual({ start: '2026-10-01', end: '2026-12-31' });
      // Three quota rows of 90,000 imported above.
      expect(doc.reps.filter((rep) => rep.quota === 90_000)).toHaveLength(3);
    },
  },
  'report reps': {
    argv: () => ['report', 'reps', ...Q, '--csv'],
    check: (r) => expect(r.stdout.split('\n')[0]).toMatch(/^ownerEmail,won,lost,winRate/),
  },
  'audit leads': {
    argv: () => ['audit', 'leads', ...Q, '--json'],
    check: (r) => expect(json(r)).toMatchObject({ period: { start: '2026-10-01', end: '2026-12-31' } }),
  },
  forecast: {
    argv: () => ['forecast', ...Q, '--json'],
    check: (r) => {
      const doc = json(r) as { team: { p10: number; p50: number; p90: number } };
      expect(doc.team.p10).toBeLessThanOrEqual(doc.team.p50);
      expect(doc.team.p50).toBeLessThanOrEqual(doc.team.p90);
    },
  },
  'forecast backtest': {
    argv: () => [
      'forecast',
      'backtest',
      '--connection',
      'acme',
      '--from',
      '2026-Q1',
      '--to',
      '2026-Q2',
      '--json',
    ],
    check: (r) => expect(json(r)).toMatchObject({ from: '2026-Q1', to: '2026-Q2' }),
  },
  'forecast accuracy': {
    argv: () => ['forecast', 'accuracy', '--connection', 'acme', '--json'],
    check: (r) => expect(json(r)).toHaveProperty('defaultMethod'),
  },
  'fields list': {
    argv: () => ['fields', 'list', '--connection', 'acme', '--csv'],
    check: (r) => expect(r.stdout).toMatch(/^metric,object,field,enabled,type,label\n/),
  },
  'fields map': {
    argv: () => [
      'fields',
      'map',
      'salesops_win_rate',
      'salesops_win_rate_q',
      '--connection',
      'acme',
      '--json',
    ],
    check: (r) =>
      expect(json(r)).toEqual({
        connection: 'acme',
        metric: 'salesops_win_rate',
        field: 'salesops_win_rate_q',
        enabled: true,
      }),
  },
  'fields ensure': {
    argv: () => ['fields', 'ensure', '--connection', 'acme', '--dry-run', '--json'],
    check: (r) => expect(json(r)).toMatchObject({ connection: 'acme', dryRun: true, calls: 0 }),
  },
  'comp plan validate': {
    argv: () => ['comp', 'plan', 'validate', 'docs/examples/plan-75-25.yaml', '--json'],
    check: (r) => expect(json(r)).toMatchObject({ valid: true, name: 'AE 2027' }),
  },
  'comp plan add': {
    argv: () => ['comp', 'plan', 'add', 'docs/examples/plan-75-25.yaml', '--json'],
    check: (r) => expect(json(r)).toMatchObject({ name: 'AE 2027', added: true }),
  },
  'comp assign': {
    argv: async (c) => {
      const file = join(c.dir, 'assign.csv');
      const rows = (await c.ownerEmails()).map((e) => `${e},AE 2027,2026-10-01,2026-12-31`);
      await writeFile(file, `owner_email,plan,start,end\n${rows.join('\n')}\n`);
      return ['comp', 'assign', file, '--connection', 'acme', '--json'];
    },
    // The three reps of ownerEmails(), each assigned once.
    check: (r) => expect(json(r)).toMatchObject({ rows: 3, changed: 3, skipped: [] }),
  },
  'comp adjust': {
    argv: async (c) => {
      const file = join(c.dir, 'adjust.csv');
      const [first] = await c.ownerEmails();
      await writeFile(file, `owner_email,period,amount,reason\n${first},2026-Q4,500,SPIF\n`);
      return ['comp', 'adjust', file, '--connection', 'acme', '--json'];
    },
    check: (r) => expect(json(r)).toMatchObject({ rows: 1, added: 1, skipped: [] }),
  },
  'comp statements': {
    argv: () => ['comp', 'statements', '--connection', 'acme', '--period', '2026-Q4', '--json'],
    // The sync row ran before the plans were assigned: the period has no statement yet
    // (test/comp/comp-step.test.ts covers computed ones).
    check: (r) =>
      expect(json(r)).toEqual({
        period: { start: '2026-10-01', end: '2026-12-31' },
        currency: 'USD',
        closed: false,
        statements: [],
      }),
  },
  'comp approve': {
    argv: () => ['comp', 'approve', '--connection', 'acme', '--period', '2026-Q4', '--json'],
    check: (r) => expect(json(r)).toEqual({ period: '2026-Q4', approved: 0 }),
  },
  'comp dispute': {
    argv: async (c) => {
      const [first] = await c.ownerEmails();
      return [
        'comp',
        'dispute',
        '--connection',
        'acme',
        '--period',
        '2026-Q4',
        '--rep',
        first as string,
        '--line',
        'individual',
        '--comment',
        'a won deal is missing',
        '--json',
      ];
    },
    check: (r) => expect(json(r)).toMatchObject({ period: '2026-Q4', line: 'individual' }),
  },
  'comp close': {
    // The dispute just opened would block the close (DESIGN §12; test/warehouse/comp-tables.test.ts
    // checks the refusal): --force closes anyway and says so.
    argv: () => ['comp', 'close', '--connection', 'acme', '--period', '2026-Q4', '--force', '--json'],
    check: (r) => expect(json(r)).toEqual({ period: '2026-Q4', closed: true, statements: 0, forced: true }),
  },
  'schedule set': {
    argv: () => ['schedule', 'set', 'acme', '--cron', '0 6 * * *', '--tz', 'Europe/Berlin', '--json'],
    check: (r) => expect(json(r)).toMatchObject({ name: 'acme', timeZone: 'Europe/Berlin', enabled: true }),
  },
  'schedule list': {
    argv: () => ['schedule', 'list', '--csv'],
    check: (r) =>
      expect(r.stdout).toMatch(/^name,cron,timeZone,enabled,nextRun\nacme,0 6 \* \* \*,Europe\/Berlin,true,/),
  },
  'schedule pause': {
    argv: () => ['schedule', 'pause', 'acme', '--json'],
    check: (r) => expect(json(r)).toEqual({ name: 'acme', enabled: false }),
  },
  'schedule resume': {
    argv: () => ['schedule', 'resume', 'acme', '--json'],
    check: (r) => expect(json(r)).toEqual({ name: 'acme', enabled: true }),
  },
  'schedule remove': {
    argv: () => ['schedule', 'remove', 'acme', '--json'],
    check: (r) => expect(json(r)).toEqual({ name: 'acme', removed: true }),
  },
  'alerts set': {
    argv: () => [
      'alerts',
      'set',
      '--webhook',
      'https://hooks.example.com/services/T1/B2/secret',
      '--connection',
      'acme',
      '--json',
    ],
    check: (r) =>
      expect(json(r)).toEqual({
        connection: 'acme',
        webhook: 'https://hooks.example.com/services/…',
        added: true,
      }),
  },
  'alerts list': {
    argv: () => ['alerts', 'list', '--csv'],
    check: (r) =>
      expect(r.stdout).toMatch(
        /^id,connection,webhook,createdAt\n\d+,acme,https:\/\/hooks\.example\.com\/services\/…,/,
      ),
  },
  'alerts remove': {
    argv: () => [
      'alerts',
      'remove',
      '--webhook',
      'https://hooks.example.com/services/T1/B2/secret',
      '--connection',
      'acme',
      '--json',
    ],
    check: (r) =>
      expect(json(r)).toEqual({
        connection: 'acme',
        webhook: 'https://hooks.example.com/services/…',
        removed: true,
      }),
  },
  'users add': {
    argv: () => [
      'users',
      'add',
      '--email',
      'Lee@Example.com',
      '--role',
      'manager',
      '--team',
      'West',
      '--json',
    ],
    check: (r) =>
      expect(json(r)).toMatchObject({
        email: 'lee@example.com',
        role: 'manager',
        teams: ['West'],
        token: expect.stringMatching(/^sos_[A-Za-z0-9_-]{43}$/),
      }),
  },
  'users list': {
    argv: () => ['users', 'list', '--csv'],
    check: (r) => {
      expect(r.stdout).toMatch(/^email,role,teams,tokenExpiresAt,createdAt\nlee@example\.com,manager,West,/);
      expect(r.stdout).not.toContain('sos_');
    },
  },
  'users rotate': {
    argv: () => ['users', 'rotate', 'lee@example.com', '--json'],
    check: (r) =>
      expect(json(r)).toMatchObject({ email: 'lee@example.com', token: expect.stringMatching(/^sos_/) }),
  },
  'users remove': {
    argv: () => ['users', 'remove', 'lee@example.com', '--json'],
    check: (r) => expect(json(r)).toEqual({ email: 'lee@example.com', removed: true }),
  },
  'audit config': {
    argv: () => ['audit', 'config', '--entity', 'person', '--json'],
    // Newest first: the three users rows above.
    check: (r) =>
      expect((json(r) as { action: string; key: string }[]).map((c) => `${c.action} ${c.key}`)).toEqual([
        'remove lee@example.com',
        'rotate lee@example.com',
        'add lee@example.com',
      ]),
  },
};

/** Commands that print no document: long-running servers (sandbox prints its one JSON line anyway). */
const NO_DOCUMENT = new Set(['worker', 'serve', 'sandbox hubspot', 'sandbox salesforce']);
/** Commands whose output is a list of rows, so a spreadsheet can take it. */
const LISTS = [
  'connections list',
  'schedule list',
  'alerts list',
  'fields list',
  'report attainment',
  'report reps',
  'audit leads',
  'runs',
  'users list',
];

/** Paths of every command that runs something: leaves, and groups with their own action. */
function runnablePaths(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    const own = (sub as unknown as { _actionHandler: unknown })._actionHandler !== null;
    const below = runnablePaths(sub, path);
    return own || sub.commands.length === 0 ? [path.join(' '), ...below] : below;
  });
}

describe('the command tree', () => {
  const program = buildProgram(
    createCliContext({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: {} }),
  );
  const paths = runnablePaths(program);

  it('has a row in this file for every runnable command, and no row for a command that is gone', () => {
    expect(paths.length).toBeGreaterThan(20);
    const named = [...Object.keys(LEAVES), ...Object.keys(ELSEWHERE)].sort();
    expect(named).toEqual([...paths].sort());
  });

  it('accepts --json on every command that prints a document, and --csv on every list', () => {
    const find = (path: string): Command =>
      path
        .split(' ')
        .reduce<Command>((cmd, name) => cmd.commands.find((c) => c.name() === name) as Command, program);
    const flags = (path: string) => find(path).options.map((o) => o.long);
    const withoutJson = paths.filter((p) => !NO_DOCUMENT.has(p) && !flags(p).includes('--json'));
    expect(withoutJson).toEqual([]);
    expect(LISTS.filter((p) => !flags(p).includes('--csv'))).toEqual([]);
  });
});

describe('every command runs against a seeded warehouse', () => {
  let t: TestDatabase;
  let c: Ctx;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await createTestDatabase('cli_tree');
    const hubspot = await startHubspotSandbox({ seed: 5, deals: 200, contacts: 200, now: NOW });
    const dir = await mkdtemp(join(tmpdir(), 'salesops-tree-'));
    await writeFile(join(dir, 'token.txt'), `${hubspot.accessToken}\n`, { mode: 0o600 });
    env = {
      DATABASE_URL: t.url,
      REDIS_URL,
      SALESOPS_QUEUE_PREFIX: uniqueQueuePrefix('cli_tree'),
      SALESOPS_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
      LOG_LEVEL: 'silent',
    };
    c = {
      dir,
      hubspot,
      ownerEmails: async () =>
        (
          await t.db
            .selectFrom('owners')
            .select('email')
            .where('active', '=', true)
            .where('email', 'is not', null)
            .orderBy('email')
            .limit(3)
            .execute()
        ).map((o) => o.email as string),
    };
  });

  afterAll(async () => {
    await c?.hubspot.close();
    if (c) await rm(c.dir, { recursive: true, force: true });
    await t?.drop();
  });

  for (const [path, leaf] of Object.entries(LEAVES)) {
    it(`salesops ${path}`, async () => {
      const argv = await leaf.argv(c);
      const result = await runCapture(argv, env);
      expect({ argv, code: result.code, stderr: result.stderr }).toEqual({
        argv,
        code: leaf.code ?? 0,
        stderr: '',
      });
      leaf.check(result);
    });
  }

  it('forecast accuracy and backtest take --connection before or after the sub-command name', async () => {
    const orders = [
      ['forecast', 'accuracy', '--connection', 'acme', '--json'],
      ['forecast', '--connection', 'acme', 'accuracy', '--json'],
      ['forecast', '--json', 'accuracy', '--connection', 'acme'],
      ['forecast', 'backtest', '--from', '2026-Q1', '--to', '2026-Q2', '--connection', 'acme', '--json'],
      ['forecast', '--connection', 'acme', 'backtest', '--from', '2026-Q1', '--to', '2026-Q2', '--json'],
    ];
    for (const argv of orders) {
      const result = await runCapture(argv, env);
      expect({ argv, code: result.code, stderr: result.stderr }).toEqual({ argv, code: 0, stderr: '' });
      expect(json(result)).toHaveProperty('defaultMethod');
    }
    const missing = await runCapture(['forecast', 'accuracy'], env);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^error: Give --connection N.*\.\n$/);
  });

  it('forecast tables show money as every other table does: whole units with thousands separators', async () => {
    const doc = json(await runCapture(['forecast', ...Q, '--json'], env)) as { team: { p50: number } };
    const text = await runCapture(['forecast', ...Q], env);
    expect(text.code).toBe(0);
    // The document keeps cents; the table shows the same P50 the way report attainment shows money.
    expect(text.stdout).toContain(Math.round(doc.team.p50).toLocaleString('en-US'));
    expect(text.stdout).not.toMatch(/\d{4,}\.\d/);
    const backtest = await runCapture(
      ['forecast', 'backtest', '--connection', 'acme', '--from', '2026-Q1', '--to', '2026-Q1'],
      env,
    );
    expect(backtest.code).toBe(0);
    expect(backtest.stdout).not.toMatch(/\d{4,}\.\d/);
  });

  it('a period with no data says so in one sentence for the audit and the forecast, and exits 0', async () => {
    const audit = await runCapture(['audit', 'leads', '--connection', 'acme', '--period', '2019-01'], env);
    expect(audit).toMatchObject({ code: 0, stderr: '' });
    expect(audit.stdout).toMatch(
      /^No leads were assigned in 2019-01 \(2019-01-01\.\.2019-01-31\) in acme; [^\n]*\.\n$/,
    );
    const forecast = await runCapture(['forecast', '--connection', 'acme', '--period', '2019-Q1'], env);
    expect(forecast).toMatchObject({ code: 0, stderr: '' });
    expect(forecast.stdout).toMatch(
      /^No deals closed in 2019-Q1 \(2019-01-01 … 2019-03-31\) and none is open [^\n]*\.\n$/,
    );
  });

  it('forecast backtest refuses a quarter that has not closed, naming the latest one that has', async () => {
    // A running quarter's "actual" is only what closed so far: scoring it would grade every
    // method against a partial figure and then steer the default method by it.
    const before = await runCapture(['forecast', 'accuracy', '--connection', 'acme', '--json'], env);
    const result = await runCapture(
      ['forecast', 'backtest', '--connection', 'acme', '--from', '2026-Q1', '--to', '2099-Q4'],
      env,
    );
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^error: --to 2099-Q4 has not closed yet \(it ends 2099-12-31\); backtest closed quarters only, the latest is \d{4}-Q[1-4]\.\n$/,
    );
    // Nothing was scored: the accuracy document is what it was.
    const after = await runCapture(['forecast', 'accuracy', '--connection', 'acme', '--json'], env);
    expect(after.stdout).toBe(before.stdout);
  });

  it('salesops --version prints the version of package.json', async () => {
    const { version } = JSON.parse(
      await (await import('node:fs/promises')).readFile(
        new URL('../../package.json', import.meta.url),
        'utf8',
      ),
    ) as { version: string };
    const result = await runCapture(['--version'], env);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
