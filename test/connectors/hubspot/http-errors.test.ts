import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDeps, RequestBudget } from '../../../connectors/connector.js';
import { ConnectorError } from '../../../connectors/connector-error.js';
import { createHubspotConnector } from '../../../connectors/hubspot/index.js';
import { pullConnection } from '../../../src/pull/pull-connection.js';
import { classifyError } from '../../../workers/errors.js';
import { insertConnection } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-db.js';

const BASE = 'https://api.hubspot.test';
const ACCOUNT = {
  portalId: 123,
  timeZone: 'Europe/Berlin',
  companyCurrency: 'EUR',
  additionalCurrencies: [],
};

function recordingBudget() {
  const observed: Parameters<RequestBudget['observe']>[0][] = [];
  const acquired: string[] = [];
  const budget: RequestBudget = {
    acquire: async (bucket = 'default') => {
      acquired.push(bucket);
    },
    observe: async (signal) => {
      observed.push(signal);
    },
  };
  return { budget, observed, acquired };
}

function connectorWith(credentials: Record<string, string>, options: { timeoutMs?: number } = {}) {
  const saved: Record<string, string>[] = [];
  const { budget, observed, acquired } = recordingBudget();
  const deps: ConnectorDeps = {
    fetch: globalThis.fetch,
    budget,
    tokens: { load: async () => credentials, save: async (update) => void saved.push({ ...update }) },
    clock: { now: () => new Date('2026-05-01T12:00:00Z'), sleep: async () => {} },
  };
  return {
    connector: createHubspotConnector({ baseUrl: BASE, deps, ...options }),
    saved,
    observed,
    acquired,
  };
}

const privateApp = { method: 'private_app', accessToken: 'pat-1' };

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('HubSpot HTTP errors → ConnectorError kinds', () => {
  it('a ten-secondly 429 is rate_limited for the policy interval, and the rate headers reach the budget', async () => {
    nock(BASE).get('/account-info/v3/details').reply(
      429,
      {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        policyName: 'TEN_SECONDLY_ROLLING',
      },
      {
        'X-HubSpot-RateLimit-Max': '100',
        'X-HubSpot-RateLimit-Remaining': '0',
        'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
      },
    );
    const { connector, observed } = connectorWith(privateApp);
    const error = await rejection(connector.account());
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(10_000);
    expect(classifyError(error)).toEqual({ kind: 'wait', delayMs: 10_000 });
    expect(observed).toEqual([{ bucket: 'default', limit: 100, remaining: 0 }]);
  });

  it('a Retry-After header wins over the policy interval', async () => {
    nock(BASE)
      .get('/account-info/v3/details')
      .reply(429, { policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '3' });
    const error = await rejection(connectorWith(privateApp).connector.account());
    expect(error.retryAfterMs).toBe(3_000);
  });

  it('a secondly (search) 429 waits one second, drawn from the search bucket', async () => {
    nock(BASE).get('/account-info/v3/details').reply(200, ACCOUNT);
    // Deals read without the pull stage's pipelines first read them for the stage ids.
    nock(BASE).get('/crm/v3/pipelines/deals').reply(200, { results: [] });
    nock(BASE).post('/crm/v3/objects/deals/search').reply(429, {
      status: 'error',
      message: 'You have reached your secondly limit.',
      policyName: 'SECONDLY',
    });
    const { connector, acquired } = connectorWith(privateApp);
    const since = { v: 1, phase: 'idle', until: Date.parse('2026-04-30T00:00:00Z') };
    const error = await rejection(drain(connector.deals(since)));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(1_000);
    expect(acquired).toEqual(['default', 'default', 'search']);
  });

  it('a daily 429 defers the run', async () => {
    nock(BASE)
      .get('/account-info/v3/details')
      .reply(429, { status: 'error', message: 'You have reached your daily limit.', policyName: 'DAILY' });
    const error = await rejection(connectorWith(privateApp).connector.account());
    expect(error.kind).toBe('deferred');
    expect(classifyError(error)).toEqual({ kind: 'defer' });
    expect(error.message).toMatch(/daily API allowance/);
  });

  it('below the daily reserve the response is used and the next request defers without being sent', async () => {
    nock(BASE).get('/account-info/v3/details').reply(200, ACCOUNT, {
      'X-HubSpot-RateLimit-Daily': '250000',
      'X-HubSpot-RateLimit-Daily-Remaining': '4999',
    });
    const { connector } = connectorWith(privateApp);
    expect((await connector.account()).accountId).toBe('123');
    const error = await rejection(connector.pipelines());
    expect(error.kind).toBe('deferred');
    expect(nock.isDone()).toBe(true);
  });

  it('a 5xx is transient, and the next call succeeds', async () => {
    nock(BASE)
      .get('/account-info/v3/details')
      .reply(502, 'Bad gateway')
      .get('/account-info/v3/details')
      .reply(200, ACCOUNT);
    const { connector } = connectorWith(privateApp);
    const error = await rejection(connector.account());
    expect(error.kind).toBe('transient');
    expect(classifyError(error)).toEqual({ kind: 'retry' });
    expect(await connector.account()).toEqual({
      accountId: '123',
      timeZone: 'Europe/Berlin',
      fiscalYearStartMonth: null,
      currency: 'EUR',
      multiCurrency: false,
    });
  });

  it('a request that does not answer within the timeout is transient', async () => {
    nock(BASE).get('/account-info/v3/details').delay(2_000).reply(200, ACCOUNT);
    const error = await rejection(connectorWith(privateApp, { timeoutMs: 50 }).connector.account());
    expect(error.kind).toBe('transient');
    expect(error.message).toMatch(/did not answer within 50 ms/);
  });

  const oauth = {
    method: 'oauth',
    refreshToken: 'rt-1',
    clientId: 'cid',
    clientSecret: 'secret',
    accessToken: 'old-token',
    expiresAt: '2026-05-01T13:00:00.000Z',
  };

  it('a 401 refreshes the OAuth token once, retries, and saves the new token', async () => {
    nock(BASE)
      .get('/account-info/v3/details')
      .matchHeader('authorization', 'Bearer old-token')
      .reply(401, { status: 'error', category: 'EXPIRED_AUTHENTICATION' })
      .post('/oauth/v1/token', (body: Record<string, string>) => body['refresh_token'] === 'rt-1')
      .reply(200, { access_token: 'new-token', refresh_token: 'rt-1', expires_in: 1800 })
      .get('/account-info/v3/details')
      .matchHeader('authorization', 'Bearer new-token')
      .reply(200, ACCOUNT);
    const { connector, saved } = connectorWith(oauth);
    expect((await connector.account()).accountId).toBe('123');
    expect(saved).toEqual([
      { accessToken: 'new-token', expiresAt: '2026-05-01T12:30:00.000Z', refreshToken: 'rt-1' },
    ]);
  });

  it('a refresh that still gets 401 stops with auth and tells the admin what to do', async () => {
    nock(BASE)
      .get('/account-info/v3/details')
      .twice()
      .reply(401, { status: 'error', category: 'INVALID_AUTHENTICATION' })
      .post('/oauth/v1/token')
      .reply(200, { access_token: 'new-token', expires_in: 1800 });
    const error = await rejection(connectorWith(oauth).connector.account());
    expect(error.kind).toBe('auth');
    expect(classifyError(error)).toEqual({ kind: 'fail' });
    expect(error.message).toMatch(/reconnect the app/);
    expect(nock.isDone()).toBe(true);
  });

  it('a refused refresh token is auth, not retried', async () => {
    nock(BASE)
      .post('/oauth/v1/token')
      .reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' });
    const error = await rejection(
      connectorWith({ ...oauth, accessToken: '', expiresAt: '' }).connector.account(),
    );
    expect(error.kind).toBe('auth');
  });

  it("the token endpoint's own outage is transient (retried), a 2xx without a token is auth", async () => {
    const fresh = { ...oauth, accessToken: '', expiresAt: '' };
    nock(BASE).post('/oauth/v1/token').reply(503, 'Service Unavailable');
    const outage = await rejection(connectorWith(fresh).connector.account());
    expect(outage.kind).toBe('transient');
    expect(classifyError(outage)).toEqual({ kind: 'retry' });
    expect(outage.message).toBe("HubSpot's token endpoint failed (503); the job retries.");

    nock(BASE).post('/oauth/v1/token').reply(200, { unexpected: true });
    const empty = await rejection(connectorWith(fresh).connector.account());
    expect(empty.kind).toBe('auth');
    expect(empty.message).toMatch(/refused the OAuth refresh token/);
  });
});

describe('HubSpot pages through the pull stage', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('hs_nock');
  });
  afterAll(() => database.drop());

  const empty = { results: [] };
  function portal(deals: unknown[]) {
    return nock(BASE)
      .get('/account-info/v3/details')
      .reply(200, ACCOUNT)
      .get('/crm/v3/owners')
      .query(true)
      .twice()
      .reply(200, empty)
      .get('/crm/v3/pipelines/deals')
      .reply(200, empty)
      .get('/crm/v3/objects/deals')
      .query((q) => q['archived'] === undefined && q['limit'] === '100')
      .reply(200, { results: deals })
      .get('/crm/v3/objects/contacts')
      .query(true)
      .reply(200, empty)
      .get('/crm/v3/objects/goal_targets')
      .query(true)
      .reply(200, empty);
  }

  it('quarantines malformed deals with their reason and saves the rest', async () => {
    const deal = (id: string, props: Record<string, string | null>) => ({
      id,
      properties: { hs_lastmodifieddate: '2026-04-01T10:00:00.000Z', dealname: `Deal ${id}`, ...props },
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-04-01T10:00:00Z',
      archived: false,
    });
    portal([
      deal('1', { amount: '1200.50' }),
      deal('2', { amount: 'twelve hundred' }),
      deal('3', { hs_lastmodifieddate: null }),
      { id: '4', properties: 'not an object' },
      deal('5', { amount: '-3' }),
    ]);
    nock(BASE).post('/crm/v3/objects/deals/batch/read').reply(200, { status: 'COMPLETE', results: [] });
    const connection = await insertConnection(database.db, { name: 'malformed' });
    // Reconciliation is not due yet: this run reads pages only.
    await database.db
      .insertInto('sync_checkpoints')
      .values({ connection_id: connection.id, stream: 'reconcile', checkpoint: 'null', run_id: null })
      .execute();
    const { connector } = connectorWith(privateApp);
    const counts = await pullConnection(database.db, connector, connection.id, { full: false, runId: null });
    expect(counts).toMatchObject({ deals: 1, quarantined: 4 });
    const quarantined = await database.db
      .selectFrom('quarantined_records')
      .select(['external_id', 'reason'])
      .where('connection_id', '=', connection.id)
      .orderBy('external_id')
      .execute();
    expect(quarantined.map((q) => q.external_id)).toEqual(['2', '3', '4', '5']);
    expect(quarantined[0]?.reason).toMatch(/amount "twelve hundred" is not a decimal/);
    expect(quarantined[1]?.reason).toMatch(/hs_lastmodifieddate is missing/);
    expect(quarantined[3]?.reason).toMatch(/negative/);
    const saved = await database.db
      .selectFrom('deals')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    expect(saved.map((d) => [d.external_id, d.amount, d.currency, d.amount_home])).toEqual([
      ['1', '1200.50', 'EUR', '1200.50'],
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it('an empty portal syncs to nothing and leaves resumable checkpoints', async () => {
    portal([]);
    const connection = await insertConnection(database.db, { name: 'empty' });
    await database.db
      .insertInto('sync_checkpoints')
      .values({ connection_id: connection.id, stream: 'reconcile', checkpoint: 'null', run_id: null })
      .execute();
    const { connector } = connectorWith(privateApp);
    const counts = await pullConnection(database.db, connector, connection.id, { full: false, runId: null });
    expect(counts).toEqual({
      owners: 0,
      pipelines: 0,
      deals: 0,
      leads: 0,
      deleted: 0,
      changed: 0,
      quarantined: 0,
    });
    const checkpoints = await database.db
      .selectFrom('sync_checkpoints')
      .select(['stream', 'checkpoint'])
      .where('connection_id', '=', connection.id)
      .where('stream', 'in', ['deals', 'leads'])
      .orderBy('stream')
      .execute();
    const until = Date.parse('2026-05-01T12:00:00Z');
    expect(checkpoints).toEqual([
      { stream: 'deals', checkpoint: { v: 1, phase: 'idle', until } },
      { stream: 'leads', checkpoint: { v: 1, phase: 'idle', until } },
    ]);
    expect(nock.isDone()).toBe(true);
  });
});
