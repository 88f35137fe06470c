import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapture } from '../cli/cli-run.js';
import { Q3, seed, seedPipeline } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { type ApiHarness, bearer, startApi } from './api-harness.js';

/**
 * Each resource as an admin: the API's body is exactly the document `salesops … --json` prints
 * for the same request, run in-process on the same database. Figures are never restated here:
 * the CLI's own suites derive them by hand; this suite proves the two surfaces agree.
 */
let h: ApiHarness;
let admin: string;
let dir: string;
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: bearer(admin) });
const cli = async (argv: readonly string[]) => {
  const run = await runCapture(argv, h.env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as unknown;
};
const RULES =
  'fallback: Everyone\npools:\n  - name: Everyone\n    members: [alice@example.com, bob@example.com]\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'api-resources-'));
  h = await startApi('api_resources', {
    seed: async (t) => {
      const acme = await insertConnection(t.db, { name: 'acme', timeZone: 'America/New_York' });
      await seedPipeline(t.db, acme.id);
      await seed(t.db, acme.id, Q3);
    },
  });
  admin = await h.person('root@example.com', 'admin');
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('an admin gets exactly the CLI document', () => {
  it.each([
    [
      '/connections/acme/forecast?period=2026-Q3&asOf=2026-09-15',
      ['forecast', '--connection', 'acme', '--period', '2026-Q3', '--as-of', '2026-09-15', '--json'],
    ],
    ['/connections/acme/forecast/accuracy', ['forecast', 'accuracy', '--connection', 'acme', '--json']],
    [
      '/connections/acme/audit/leads?period=2026-Q3&asOf=2026-10-15',
      ['audit', 'leads', '--connection', 'acme', '--period', '2026-Q3', '--as-of', '2026-10-15', '--json'],
    ],
    ['/connections/acme/fields', ['fields', 'list', '--connection', 'acme', '--json']],
    [
      '/connections/acme/routing/report?period=2026-Q3',
      ['route', 'report', '--connection', 'acme', '--period', '2026-Q3', '--json'],
    ],
    ['/connections/acme/routing/decisions/L1', ['route', 'explain', 'L1', '--connection', 'acme', '--json']],
    [
      '/connections/acme/comp/statements?period=2026-Q3',
      ['comp', 'statements', '--connection', 'acme', '--period', '2026-Q3', '--json'],
    ],
  ])('GET %s', async (url, argv) => {
    const api = await get(url);
    expect(api.statusCode).toBe(200);
    expect(api.json()).toEqual(await cli(argv));
  });

  it('PUT routing rules = route rules --json, and a dry run installs nothing', async () => {
    const file = join(dir, 'rules.yaml');
    await writeFile(file, RULES);
    const put = (query = '') =>
      h.app.inject({
        method: 'PUT',
        url: `/connections/acme/routing/rules${query}`,
        headers: { ...bearer(admin), 'content-type': 'application/yaml' },
        payload: RULES,
      });
    const dry = await put('?dryRun=true');
    expect(dry.json()).toEqual(
      await cli(['route', 'rules', file, '--connection', 'acme', '--dry-run', '--json']),
    );
    expect((await get('/connections/acme/routing/rules')).json()).toEqual({
      hash: null,
      installedAt: null,
      rules: null,
    });
    const installed = await put();
    expect(installed.json()).toMatchObject({ changed: true, dryRun: false });
    // Installing the same file again from the CLI changes nothing: the API's install is the same version.
    expect(await cli(['route', 'rules', file, '--connection', 'acme', '--json'])).toEqual({
      ...installed.json(),
      changed: false,
    });
    expect((await get('/connections/acme/routing/rules')).json().hash).toBe(installed.json().hash);
    // The shadow run needs installed rules; it is the `route simulate --json` document.
    expect((await get('/connections/acme/routing/simulate?from=2026-07-01&to=2026-09-30')).json()).toEqual(
      await cli([
        'route',
        'simulate',
        '--connection',
        'acme',
        '--from',
        '2026-07-01',
        '--to',
        '2026-09-30',
        '--json',
      ]),
    );
  });

  it('a rules file with problems is 422 with each problem and its line; nothing installed', async () => {
    const before = (await get('/connections/acme/routing/rules')).json();
    const response = await h.app.inject({
      method: 'PUT',
      url: '/connections/acme/routing/rules',
      headers: { ...bearer(admin), 'content-type': 'application/yaml' },
      payload: 'fallback: Everyone\npools:\n  - name: Everyone\n    members: [zed@example.com]\n',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().problems.length).toBeGreaterThan(0);
    expect((await get('/connections/acme/routing/rules')).json()).toEqual(before);
  });

  it('schedules: PUT, pause, resume, remove answer what `schedule … --json` prints, and list agrees', async () => {
    const put = await h.app.inject({
      method: 'PUT',
      url: '/connections/acme/schedule',
      headers: bearer(admin),
      payload: { cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      name: 'acme',
      cron: '0 6 * * 1-5',
      timeZone: 'Europe/Berlin',
      enabled: true,
    });
    expect((await get('/schedules')).json()).toEqual(await cli(['schedule', 'list', '--json']));
    const pause = await h.app.inject({
      method: 'POST',
      url: '/connections/acme/schedule/pause',
      headers: bearer(admin),
    });
    expect(pause.json()).toEqual({ name: 'acme', enabled: false });
    expect((await get('/schedules')).json()).toEqual(await cli(['schedule', 'list', '--json']));
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/connections/acme/schedule/resume',
          headers: bearer(admin),
        })
      ).json(),
    ).toEqual({ name: 'acme', enabled: true });
    expect(
      (
        await h.app.inject({ method: 'DELETE', url: '/connections/acme/schedule', headers: bearer(admin) })
      ).json(),
    ).toEqual({ name: 'acme', removed: true });
    expect((await get('/schedules')).json()).toEqual([]);
    const again = await h.app.inject({
      method: 'DELETE',
      url: '/connections/acme/schedule',
      headers: bearer(admin),
    });
    expect(again.statusCode).toBe(404);
  });

  it('a bad cron or time zone is 400 with a sentence, and nothing is stored', async () => {
    for (const payload of [{ cron: 'every day' }, { cron: '0 6 * * *', timeZone: 'Mars/Olympus' }]) {
      const response = await h.app.inject({
        method: 'PUT',
        url: '/connections/acme/schedule',
        headers: bearer(admin),
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toMatch(/\.$/);
    }
    expect((await get('/schedules')).json()).toEqual([]);
  });

  it('PUT a field mapping answers what `fields map --json` prints', async () => {
    const api = await h.app.inject({
      method: 'PUT',
      url: '/connections/acme/fields/salesops_win_rate',
      headers: bearer(admin),
      payload: { field: 'salesops_win_rate_q' },
    });
    expect(api.statusCode).toBe(200);
    const fromCli = await cli([
      'fields',
      'map',
      'salesops_win_rate',
      'salesops_win_rate_q',
      '--connection',
      'acme',
      '--json',
    ]);
    expect(api.json()).toEqual(fromCli);
    expect((await get('/connections/acme/fields')).json()).toEqual(
      await cli(['fields', 'list', '--connection', 'acme', '--json']),
    );
  });
});

describe('POST /connections/{name}/syncs', () => {
  it('answers 202 with the run id, a second request joins the same run, and the run is marked api', async () => {
    const first = await h.app.inject({
      method: 'POST',
      url: '/connections/acme/syncs',
      headers: bearer(admin),
      payload: {},
    });
    expect(first.statusCode).toBe(202);
    const { runId, joined } = first.json();
    expect(joined).toBe(false);
    const second = await h.app.inject({
      method: 'POST',
      url: '/connections/acme/syncs',
      headers: bearer(admin),
      payload: { full: true },
    });
    expect(second.json()).toEqual({ runId, joined: true });
    const row = await h.t.db
      .selectFrom('sync_runs')
      .select(['trigger', 'status', 'options'])
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      trigger: 'api',
      status: 'queued',
      options: { full: false, push: true, dryRun: false },
    });
    // The run history is the CLI's: `runs --json` and `runs show ID --json`.
    expect((await get('/runs?connection=acme')).json()).toEqual(
      await cli(['runs', '--connection', 'acme', '--json']),
    );
    expect((await get(`/runs/${runId}`)).json()).toEqual(
      await cli(['runs', 'show', String(runId), '--json']),
    );
    expect((await get('/runs/999999')).statusCode).toBe(404);
    expect((await get('/runs/abc')).statusCode).toBe(400);
    // Unknown options are refused, not ignored.
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/connections/acme/syncs',
      headers: bearer(admin),
      payload: { fulll: true },
    });
    expect(wrong.statusCode).toBe(400);
  });
});

describe('uploads: the whole-file rule of the CLI', () => {
  const quotas = (rows: readonly string[]) =>
    `owner_email,period_start,period_end,amount\n${rows.join('\n')}\n`;
  const upload = (url: string, body: string) =>
    h.app.inject({
      method: 'PUT',
      url,
      headers: { ...bearer(admin), 'content-type': 'text/csv' },
      payload: body,
    });

  it('a quota file with three bad lines is 422 naming lines 3, 4 and 6; nothing is applied', async () => {
    const count = async () =>
      Number(
        (
          await h.t.db
            .selectFrom('quotas')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const response = await upload(
      '/connections/acme/quotas',
      quotas([
        'alice@example.com,2026-10-01,2026-12-31,90000', // line 2: good
        'nobody@example.com,2026-10-01,2026-12-31,1000', // line 3: no such owner
        'bob@example.com,2026-10-01,2026-12-31,lots', // line 4: not an amount
        'carol@example.com,2026-10-01,2026-12-31,30000', // line 5: good
        'dave@example.com,2026-12-31,2026-10-01,1000', // line 6: ends before it starts
      ]),
    );
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = response.json();
    expect(body.problems.map((p: { line: number }) => p.line)).toEqual([3, 4, 6]);
    expect(body.detail).toMatch(/3 invalid row\(s\), so nothing was imported/);
    expect(await count()).toBe(before);
  });

  it('a good quota file answers the `quotas import --json` document (but for the file name)', async () => {
    const body = quotas([
      'alice@example.com,2027-01-01,2027-03-31,90000',
      'bob@example.com,2027-01-01,2027-03-31,60000',
    ]);
    const api = await upload('/connections/acme/quotas', body);
    expect(api.statusCode).toBe(200);
    const file = join(dir, 'q.csv');
    await writeFile(file, body);
    const fromCli = (await cli(['quotas', 'import', file, '--connection', 'acme', '--json'])) as Record<
      string,
      unknown
    >;
    // The CLI re-imports what the API applied: same rows and months, nothing changed the second time.
    expect({ ...api.json(), file: null, changed: 0 }).toEqual({ ...fromCli, file: null });
    expect(api.json()).toMatchObject({ file: 'api:root@example.com', rows: 2, months: 6, changed: 6 });
  });

  it('a rep-settings file with a bad line is 422; a good one answers the `settings reps --json` document', async () => {
    const bad = await upload(
      '/connections/acme/rep-settings',
      'owner_email,lead_weight\nalice@example.com,1\nzed@example.com,1\n',
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems.map((p: { line: number }) => p.line)).toEqual([3]);
    const body = 'owner_email,lead_weight\nalice@example.com,2\nbob@example.com,1\n';
    const api = await upload('/connections/acme/rep-settings', body);
    expect(api.statusCode).toBe(200);
    const file = join(dir, 'reps.csv');
    await writeFile(file, body);
    const fromCli = (await cli(['settings', 'reps', file, '--connection', 'acme', '--json'])) as Record<
      string,
      unknown
    >;
    expect({ ...api.json(), changed: 0, unchanged: 2 }).toEqual(fromCli);
  });
});

describe('compensation plans and assignments', () => {
  it('POST a plan = comp plan add --json (but for the file name); the same plan again adds nothing', async () => {
    const file = fileURLToPath(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url));
    const text = await readFile(file, 'utf8');
    const post = () =>
      h.app.inject({
        method: 'POST',
        url: '/comp/plans',
        headers: { ...bearer(admin), 'content-type': 'application/yaml' },
        payload: text,
      });
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ file: 'api:root@example.com', name: 'AE 2027', added: true });
    expect({ ...(await post()).json(), file }).toEqual(await cli(['comp', 'plan', 'add', file, '--json']));
    const bad = await h.app.inject({
      method: 'POST',
      url: '/comp/plans',
      headers: { ...bearer(admin), 'content-type': 'application/yaml' },
      payload: 'name: X\ncurrency: USD\n',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems.length).toBeGreaterThan(0);
  });

  it('PUT assignments: a bad line is 422 with its number; a good file = comp assign --json (but for the file name)', async () => {
    const upload = (body: string) =>
      h.app.inject({
        method: 'PUT',
        url: '/connections/acme/comp/assignments',
        headers: { ...bearer(admin), 'content-type': 'text/csv' },
        payload: body,
      });
    const bad = await upload(
      'owner_email,plan,start,end\nalice@example.com,AE 2027,2027-01-01,2027-12-31\nzed@example.com,AE 2027,2027-01-01,2027-12-31\n',
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems.map((p: { line: number }) => p.line)).toEqual([3]);
    const body = 'owner_email,plan,start,end\nalice@example.com,AE 2027,2027-01-01,2027-12-31\n';
    const api = await upload(body);
    expect(api.json()).toMatchObject({ rows: 1, changed: 1, skipped: [] });
    const file = join(dir, 'assign.csv');
    await writeFile(file, body);
    // Re-imported by the CLI: same row, nothing changed.
    expect({ ...api.json(), file, changed: 0 }).toEqual(
      await cli(['comp', 'assign', file, '--connection', 'acme', '--json']),
    );
  });
});

describe('config audit', () => {
  it('every API change is a config_audit row naming the admin, before → after, and GET /audit/config lists it', async () => {
    const response = await get('/audit/config?limit=1000');
    expect(response.statusCode).toBe(200);
    // Newest first; the API's own rows (the CLI's, if it records any, name cli:<user>).
    const rows = (
      response.json() as { actor: string; entity: string; action: string; before: unknown; after: unknown }[]
    )
      .filter((r) => r.actor === 'root@example.com')
      .reverse();
    const schedule = rows.filter((r) => r.entity === 'schedule');
    expect(schedule.map((r) => [r.action, r.before, r.after])).toEqual([
      ['set', null, { cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin', enabled: true }],
      ['pause', { enabled: true }, { enabled: false }],
      ['resume', { enabled: false }, { enabled: true }],
      ['remove', { cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin', enabled: true }, null],
    ]);
    const field = rows.find((r) => r.entity === 'field_mapping');
    expect([field?.before, field?.after]).toEqual([
      { field: 'salesops_win_rate' },
      { field: 'salesops_win_rate_q' },
    ]);
    expect(rows.map((r) => r.entity)).toEqual(
      expect.arrayContaining(['routing_rules', 'quota', 'rep_setting', 'plan', 'assignment']),
    );
    // The person who made the admin's token is in the log too.
    expect((await get('/audit/config?entity=person')).json()).toMatchObject([
      { actor: 'cli:test', entity: 'person', key: 'root@example.com', action: 'add', before: null },
    ]);
  });
});
