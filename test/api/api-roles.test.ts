import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/api/api-caller.js';
import { cliActor } from '../../src/people/actor.js';
import { removePerson } from '../../src/people/people.js';
import { Q3, seed, seedPipeline } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { type ApiHarness, bearer, startApi } from './api-harness.js';

/**
 * The role × endpoint table of docs/api.md (written from DESIGN §13), asserted whole: every row is
 * called with a token of each role, in the table's order (the schedule is set before it is
 * paused and removed), and the statuses must be exactly the table's.
 */
const docs = readFileSync(fileURLToPath(new URL('../../docs/api.md', import.meta.url)), 'utf8');
const block = docs.slice(docs.indexOf('<!-- role-table:start -->'), docs.indexOf('<!-- role-table:end -->'));
const table = block
  .split('\n')
  .filter((line) => /^\| (GET|PUT|POST|DELETE) /.test(line))
  .map((line) => {
    const [method, path, ...statuses] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    return {
      method: method as string,
      path: path as string,
      expected: Object.fromEntries(ROLES.map((role, i) => [role, Number(statuses[i])])) as Record<
        Role,
        number
      >,
    };
  });

const PLAN = readFileSync(
  fileURLToPath(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url)),
  'utf8',
);

const PEOPLE: Record<Role, { email: string; teams: string[] }> = {
  admin: { email: 'root@example.com', teams: [] },
  ops: { email: 'ops@example.com', teams: [] },
  manager: { email: 'mia@example.com', teams: ['East'] },
  rep: { email: 'alice@example.com', teams: [] },
};
const tokens = {} as Record<Role, string>;

/** A valid request for each row, so an allowed role gets the success status. */
const REQUESTS: Record<string, { url: string; payload?: string | object; type?: string }> = {
  'GET /connections': { url: '/connections' },
  'GET /schedules': { url: '/schedules' },
  'PUT /connections/{name}/schedule': { url: '/connections/acme/schedule', payload: { cron: '0 6 * * *' } },
  'POST /connections/{name}/schedule/pause': { url: '/connections/acme/schedule/pause' },
  'POST /connections/{name}/schedule/resume': { url: '/connections/acme/schedule/resume' },
  'DELETE /connections/{name}/schedule': { url: '/connections/acme/schedule' },
  'POST /connections/{name}/syncs': { url: '/connections/acme/syncs', payload: {} },
  'GET /runs': { url: '/runs' },
  'GET /runs/{id}': { url: '/runs/1' },
  'GET /audit/config': { url: '/audit/config' },
  'GET /connections/{name}/attainment': {
    url: '/connections/acme/attainment?period=2026-Q3&asOf=2026-10-15',
  },
  'GET /connections/{name}/reps': { url: '/connections/acme/reps?period=2026-Q3&asOf=2026-10-15' },
  'GET /connections/{name}/forecast': { url: '/connections/acme/forecast?period=2026-Q3&asOf=2026-09-15' },
  'GET /connections/{name}/forecast/accuracy': { url: '/connections/acme/forecast/accuracy' },
  'GET /connections/{name}/audit/leads': {
    url: '/connections/acme/audit/leads?period=2026-Q3&asOf=2026-10-15',
  },
  'GET /connections/{name}/comp/statements': { url: '/connections/acme/comp/statements?period=2026-Q3' },
  'PUT /connections/{name}/quotas': {
    url: '/connections/acme/quotas',
    type: 'text/csv',
    payload: 'owner_email,period_start,period_end,amount\nalice@example.com,2026-10-01,2026-12-31,90000\n',
  },
  'PUT /connections/{name}/rep-settings': {
    url: '/connections/acme/rep-settings',
    type: 'text/csv',
    payload: 'owner_email,lead_weight\nalice@example.com,1\n',
  },
  'POST /comp/plans': { url: '/comp/plans', type: 'application/yaml', payload: PLAN },
  'PUT /connections/{name}/comp/assignments': {
    url: '/connections/acme/comp/assignments',
    type: 'text/csv',
    payload: 'owner_email,plan,start,end\nalice@example.com,AE 2027,2027-01-01,2027-12-31\n',
  },
  'GET /connections/{name}/routing/rules': { url: '/connections/acme/routing/rules' },
  'PUT /connections/{name}/routing/rules': {
    url: '/connections/acme/routing/rules',
    type: 'application/yaml',
    payload:
      'fallback: Everyone\npools:\n  - name: Everyone\n    members: [alice@example.com, bob@example.com]\n',
  },
  'GET /connections/{name}/routing/report': { url: '/connections/acme/routing/report?period=2026-Q3' },
  'GET /connections/{name}/routing/decisions/{lead}': { url: '/connections/acme/routing/decisions/L1' },
  'GET /connections/{name}/routing/simulate': {
    url: '/connections/acme/routing/simulate?from=2026-07-01&to=2026-09-30',
  },
  'GET /connections/{name}/fields': { url: '/connections/acme/fields' },
  'PUT /connections/{name}/fields/{metric}': {
    url: '/connections/acme/fields/salesops_win_rate',
    payload: { field: 'salesops_win_rate_q' },
  },
};

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi('api_roles', {
    seed: async (t) => {
      const acme = await insertConnection(t.db, { name: 'acme', timeZone: 'America/New_York' });
      await seedPipeline(t.db, acme.id);
      await seed(t.db, acme.id, Q3);
    },
  });
  for (const role of ROLES) tokens[role] = await h.person(PEOPLE[role].email, role, PEOPLE[role].teams);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('the role × endpoint table of docs/api.md', () => {
  it('names every route the API serves, once', async () => {
    const paths = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths as Record<
      string,
      Record<string, unknown>
    >;
    const served = Object.entries(paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(table.map((row) => `${row.method} ${row.path}`).sort()).toEqual(served);
    expect(Object.keys(REQUESTS).sort()).toEqual(served);
  });

  it('holds whole: each role gets exactly the status of its column, and no token is 401 everywhere', async () => {
    const got: Record<string, Record<Role, number>> = {};
    const want: Record<string, Record<Role, number>> = {};
    const unauthenticated: number[] = [];
    for (const row of table) {
      const key = `${row.method} ${row.path}`;
      const request = REQUESTS[key];
      if (!request) throw new Error(`no request for ${key}`);
      want[key] = row.expected;
      got[key] = {} as Record<Role, number>;
      const send = (headers: Record<string, string>) =>
        h.app.inject({
          method: row.method as 'GET',
          url: request.url,
          headers: {
            ...headers,
            ...(request.payload !== undefined && { 'content-type': request.type ?? 'application/json' }),
          },
          ...(request.payload !== undefined && {
            payload: typeof request.payload === 'string' ? request.payload : JSON.stringify(request.payload),
          }),
        });
      unauthenticated.push((await send({})).statusCode);
      for (const role of ROLES) {
        const response = await send(bearer(tokens[role]));
        (got[key] as Record<Role, number>)[role] = response.statusCode;
      }
    }
    expect(got).toEqual(want);
    expect(new Set(unauthenticated)).toEqual(new Set([401]));
  });
});

describe('scope', () => {
  it('a rep sees only their own rows and no connection-wide aggregate; a manager their team', async () => {
    const url = '/connections/acme/attainment?period=2026-Q3&asOf=2026-10-15';
    const rep = (await h.app.inject({ method: 'GET', url, headers: bearer(tokens.rep) })).json();
    expect(rep.reps.map((r: { ownerEmail: string }) => r.ownerEmail)).toEqual(['alice@example.com']);
    expect(rep.team).toBeNull();
    expect(rep.teams).toEqual([]);
    const manager = (await h.app.inject({ method: 'GET', url, headers: bearer(tokens.manager) })).json();
    expect(manager.reps.map((r: { ownerEmail: string }) => r.ownerEmail).sort()).toEqual([
      'alice@example.com',
      'bob@example.com',
    ]);
    expect(manager.teams.map((t: { name: string }) => t.name)).toEqual(['East']);
  });

  it('a rep asking for another rep’s statement gets 404, as for a rep who does not exist', async () => {
    const other = await h.app.inject({
      method: 'GET',
      url: '/connections/acme/comp/statements?period=2026-Q3&rep=bob@example.com',
      headers: bearer(tokens.rep),
    });
    const nobody = await h.app.inject({
      method: 'GET',
      url: '/connections/acme/comp/statements?period=2026-Q3&rep=nobody@example.com',
      headers: bearer(tokens.rep),
    });
    expect(other.statusCode).toBe(404);
    expect(nobody.statusCode).toBe(404);
    // Same words either way, so the answer does not tell whether bob has a statement.
    expect(other.json().title).toBe(nobody.json().title);
  });
});

describe('people', () => {
  it('a removed person’s token is refused at once (401), an unknown token too', async () => {
    const token = await h.person('bob@example.com', 'rep');
    const url = '/connections/acme/attainment?period=2026-Q3&asOf=2026-10-15';
    const before = await h.app.inject({ method: 'GET', url, headers: bearer(token) });
    expect(before.statusCode).toBe(200);
    expect(before.json().reps.map((r: { ownerEmail: string }) => r.ownerEmail)).toEqual(['bob@example.com']);
    await removePerson(h.t.db, 'bob@example.com', { actor: cliActor('test'), now: new Date() });
    const after = await h.app.inject({ method: 'GET', url, headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await h.app.inject({ method: 'GET', url, headers: bearer(forged) })).statusCode).toBe(401);
  });
});

describe('payouts', () => {
  /** A stored statement as the comp step writes it; the figures are arbitrary, only who sees them matters. */
  const statement = (ownerId: string, ownerEmail: string, total: number) => ({
    connection_id: 0,
    period_key: '2026-Q3',
    owner_id: ownerId,
    plan_name: 'AE',
    plan_hash: 'h',
    document: JSON.stringify({
      ownerEmail,
      period: { key: '2026-Q3', start: '2026-07-01', end: '2026-09-30' },
      plan: { name: 'AE', hash: 'h' },
      targetIncentive: 1000,
      prorate: 1,
      workingDays: { assigned: 65, period: 65 },
      components: [],
      adjustments: [],
      total,
      drawBalance: null,
      credits: [],
      inputsHash: 'i',
    }),
    inputs: JSON.stringify({}),
    inputs_hash: 'i',
    total: String(total),
  });

  it('a rep reads only their own statement, a manager their team’s, and every read is logged with its reader', async () => {
    const acme = await h.t.db
      .selectFrom('connections')
      .select('id')
      .where('name', '=', 'acme')
      .executeTakeFirstOrThrow();
    await h.t.db
      .insertInto('comp_statements')
      .values([
        { ...statement('a', 'alice@example.com', 1000), connection_id: acme.id },
        { ...statement('b', 'bob@example.com', 2000), connection_id: acme.id },
        { ...statement('c', 'carol@example.com', 3000), connection_id: acme.id },
      ])
      .execute();
    const url = '/connections/acme/comp/statements?period=2026-Q3';
    const emails = async (role: Role) =>
      (
        (await h.app.inject({ method: 'GET', url, headers: bearer(tokens[role]) })).json().statements as {
          ownerEmail: string;
        }[]
      ).map((s) => s.ownerEmail);
    expect(await emails('rep')).toEqual(['alice@example.com']);
    expect(await emails('manager')).toEqual(['alice@example.com', 'bob@example.com']);
    expect(await emails('admin')).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
    const other = await h.app.inject({
      method: 'GET',
      url: `${url}&rep=carol@example.com`,
      headers: bearer(tokens.manager),
    });
    expect(other.statusCode).toBe(404);
    const reads = await h.t.db
      .selectFrom('payout_reads')
      .select(['reader', 'owner_id', 'period_key'])
      .orderBy('id')
      .execute();
    // One row per statement shown: alice's own (1), the manager's two, the admin's three.
    expect(reads.map((r) => `${r.reader}:${r.owner_id}`)).toEqual([
      'alice@example.com:a',
      'mia@example.com:a',
      'mia@example.com:b',
      'root@example.com:a',
      'root@example.com:b',
      'root@example.com:c',
    ]);
    expect(new Set(reads.map((r) => r.period_key))).toEqual(new Set(['2026-Q3']));
  });
});
