import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCaller } from '../../src/api/api-caller.js';
import { runCapture } from '../cli/cli-run.js';
import { Q3, seed, seedPipeline } from '../metrics/attainment-fixture.js';
import { insertConnection } from '../support/fixtures.js';
import { type ApiHarness, bearer, startApi } from './api-harness.js';

/**
 * The surface of the API: the OpenAPI document, the offline docs page, problem documents, body
 * limits and hostile path/query strings. Tokens here are resolved by a table (people have their
 * own suite); everything behind them is the real warehouse, Redis and queue.
 */
const CALLERS: Record<string, ApiCaller> = {
  'admin-token': { id: 1, email: 'root@example.com', role: 'admin', teams: [] },
  'rep-token': { id: 2, email: 'alice@example.com', role: 'rep', teams: [] },
};

let h: ApiHarness;
const get = (url: string, token = 'admin-token') =>
  h.app.inject({ method: 'GET', url, headers: bearer(token) });

beforeAll(async () => {
  h = await startApi('api_surface', {
    authenticate: () => async (token) => CALLERS[token] ?? null,
    seed: async (t) => {
      const acme = await insertConnection(t.db, { name: 'acme', timeZone: 'America/New_York' });
      await seedPipeline(t.db, acme.id);
      await seed(t.db, acme.id, Q3);
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, valid by @seriousme/openapi-schema-validator, and lists every resource', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/connections', '/schedules', '/connections/{name}/attainment']),
    );
  });

  it('/docs serves swagger-ui from the package itself: no script or style from another host', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).not.toMatch(/(src|href)="https?:\/\//);
    const bundle = await h.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
  });
});

describe('problem documents (RFC 9457)', () => {
  it('401 without a token, with a malformed header, and with an unknown token', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, bearer('nobody')]) {
      const response = await h.app.inject({ method: 'GET', url: '/connections', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect(typeof response.json().detail).toBe('string');
    }
  });

  it('403 for a role without the right', async () => {
    const response = await get('/connections', 'rep-token');
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  it('404 for an unknown connection and for an unknown path', async () => {
    expect((await get('/connections/nope/attainment?period=2026-Q3')).statusCode).toBe(404);
    expect((await get('/no/such/thing')).json()).toMatchObject({ status: 404 });
  });

  it('SQL-injection strings in path and query are refused cleanly (400 or 404, never 500)', async () => {
    const hostile = ["acme'; drop table connections; --", "' or 1=1 --", 'acme%00', '../../etc/passwd'];
    for (const value of hostile) {
      const e = encodeURIComponent(value);
      for (const url of [
        `/connections/${e}/attainment?period=2026-Q3`,
        `/connections/acme/attainment?period=${e}`,
        `/connections/acme/attainment?period=2026-Q3&asOf=${e}`,
        `/connections/acme/comp/statements?period=2026-Q3&rep=${e}`,
        `/connections/${e}/schedule/pause`,
      ]) {
        const response = url.endsWith('/pause')
          ? await h.app.inject({ method: 'POST', url, headers: bearer('admin-token') })
          : await get(url);
        expect([400, 404], `${url} → ${response.statusCode}`).toContain(response.statusCode);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
    // The table is still there.
    expect((await get('/connections')).json()).toHaveLength(1);
  });

  it('a body over the limit is 413: 64 KiB for JSON, 10 MiB for an import', async () => {
    const json = await h.app.inject({
      method: 'PUT',
      url: '/connections/acme/schedule',
      headers: { ...bearer('admin-token'), 'content-type': 'application/json' },
      payload: JSON.stringify({ cron: '0 6 * * *', pad: 'x'.repeat(65 * 1024) }),
    });
    expect(json.statusCode).toBe(413);
    expect(json.json()).toMatchObject({ status: 413, title: 'Content Too Large' });
    const csv = await h.app.inject({
      method: 'PUT',
      url: '/connections/acme/quotas',
      headers: { ...bearer('admin-token'), 'content-type': 'text/csv' },
      payload: `owner_email,period_start,period_end,amount\n${'x'.repeat(10 * 1024 * 1024)}`,
    });
    expect(csv.statusCode).toBe(413);
  });
});

describe('CORS is off', () => {
  it('a request from another origin gets no Access-Control-* header, and a preflight finds no route', async () => {
    const response = await h.app.inject({
      method: 'GET',
      url: '/connections',
      headers: { ...bearer('admin-token'), origin: 'https://evil.example' },
    });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const preflight = await h.app.inject({
      method: 'OPTIONS',
      url: '/connections',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(404);
    expect(Object.keys(preflight.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
  });
});

describe('an admin gets exactly the CLI document', () => {
  it('GET /connections = connections list --json', async () => {
    const cli = await runCapture(['connections', 'list', '--json'], h.env);
    expect(cli.code).toBe(0);
    expect((await get('/connections')).json()).toEqual(JSON.parse(cli.stdout));
  });

  it('GET /connections/acme/attainment = report attainment --json', async () => {
    const cli = await runCapture(
      [
        'report',
        'attainment',
        '--connection',
        'acme',
        '--period',
        '2026-Q3',
        '--as-of',
        '2026-10-15',
        '--json',
      ],
      h.env,
    );
    expect(cli.code).toBe(0);
    const api = await get('/connections/acme/attainment?period=2026-Q3&asOf=2026-10-15');
    expect(api.statusCode).toBe(200);
    expect(api.json()).toEqual(JSON.parse(cli.stdout));
  });

  it('GET /connections/acme/reps = report reps --json', async () => {
    const cli = await runCapture(
      ['report', 'reps', '--connection', 'acme', '--period', '2026-Q3', '--as-of', '2026-10-15', '--json'],
      h.env,
    );
    expect(cli.code).toBe(0);
    expect((await get('/connections/acme/reps?period=2026-Q3&asOf=2026-10-15')).json()).toEqual(
      JSON.parse(cli.stdout),
    );
  });
});

describe('the per-token rate limit (rate-limiter-flexible on Redis)', () => {
  let limited: ApiHarness;
  beforeAll(async () => {
    limited = await startApi('api_rate', {
      authenticate: () => async (token) => CALLERS[token] ?? null,
      extra: { rateLimit: { points: 3, durationSeconds: 60, keyPrefix: `api-rate-test-${Date.now()}` } },
    });
  }, 60_000);
  afterAll(async () => {
    await limited?.close();
  });

  it('the fourth request of a token within the window is 429 with Retry-After; another token is not held back', async () => {
    const send = (token: string) =>
      limited.app.inject({ method: 'GET', url: '/connections', headers: bearer(token) });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send('admin-token')).statusCode);
    // Budget 3 per 60 s: three answered, the fourth refused.
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await send('admin-token');
    expect(refused.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect((await send('rep-token')).statusCode).toBe(403);
  });
});
