import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock, ConnectorDeps, Deal, Page } from '../../../connectors/connector.js';
import { ConnectorError } from '../../../connectors/connector-error.js';
import { createSalesforceConnector } from '../../../connectors/salesforce/index.js';
import { classifyError } from '../../../workers/errors.js';

/** Precise Salesforce answers the sandbox does not produce on demand, through nock. */
const BASE = 'https://acme.my.salesforce.com';
const V = '/services/data/v62.0';
const ORG = '00D5g000000ABCDEAA';

function deps(credentials: Record<string, string>) {
  const sleeps: number[] = [];
  const saved: Record<string, string>[] = [];
  const clock: Clock = {
    now: () => new Date('2026-03-15T12:00:00Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  const d: ConnectorDeps = {
    fetch: globalThis.fetch,
    clock,
    budget: { acquire: async () => {}, observe: async () => {} },
    tokens: {
      load: async () => credentials,
      save: async (update) => {
        saved.push({ ...update });
      },
    },
  };
  return { deps: d, sleeps, saved };
}

const connector = (d: ConnectorDeps) =>
  createSalesforceConnector({ instanceUrl: BASE, loginUrl: BASE, apiVersion: '62.0', deps: d });
const accessToken = { method: 'access_token', accessToken: 'TOKEN-1' };
const soqlOf = (uri: string) => new URL(uri, BASE).searchParams.get('q') ?? '';
const result = (records: unknown[]) => ({ totalSize: records.length, done: true, records });
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a ConnectorError');
};
const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

const organization = {
  Id: ORG,
  TimeZoneSidKey: 'America/New_York',
  FiscalYearStartMonth: 2,
  DefaultCurrencyIsoCode: 'USD',
};
const opportunity = (n: number, extra: Record<string, unknown> = {}) => ({
  attributes: { type: 'Opportunity' },
  Id: `0065g00000${String(n).padStart(5, '0')}AAA`,
  IsDeleted: false,
  Name: `Deal ${n}`,
  StageName: 'Prospecting',
  Amount: 1000 * n,
  Probability: 10,
  CloseDate: '2026-04-30',
  ForecastCategory: 'Pipeline',
  OwnerId: '0055g000001AAAAAAA',
  CreatedDate: '2026-01-01T00:00:00.000+0000',
  SystemModstamp: `2026-03-0${n}T10:00:00.000+0000`,
  ...extra,
});

/**
 * account() reads Organization and CurrencyType in one Composite call (API 38.0+); a
 * single-currency org answers the CurrencyType subrequest with INVALID_TYPE.
 */
const accountReply = (org: unknown, currencies: readonly unknown[] | null) => ({
  compositeResponse: [
    { referenceId: 'q0', httpStatusCode: 200, body: result([org]), httpHeaders: {} },
    currencies === null
      ? {
          referenceId: 'q1',
          httpStatusCode: 400,
          body: [{ errorCode: 'INVALID_TYPE', message: "sObject type 'CurrencyType' is not supported." }],
          httpHeaders: {},
        }
      : { referenceId: 'q1', httpStatusCode: 200, body: result([...currencies]), httpHeaders: {} },
  ],
});
const nockAccount = (org: unknown, currencies: readonly unknown[] | null) =>
  nock(BASE).post(`${V}/composite`).reply(200, accountReply(org, currencies));

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('Salesforce connector edge cases (nock)', () => {
  it('REQUEST_LIMIT_EXCEEDED (daily allowance spent) ends the run deferred, not retried', async () => {
    const scope = nock(BASE)
      .post(`${V}/composite`)
      .reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    const error = await failure(connector(deps(accessToken).deps).account());
    expect(error.kind).toBe('deferred');
    expect(classifyError(error)).toEqual({ kind: 'defer' });
    expect(scope.isDone()).toBe(true);
  });

  it('below the daily reserve (Sforce-Limit-Info) the next request is not sent and the pull defers', async () => {
    nock(BASE)
      .post(`${V}/composite`)
      .reply(200, accountReply(organization, null), { 'Sforce-Limit-Info': 'api-usage=85000/100000' });
    const c = connector(deps(accessToken).deps);
    await c.account();
    const error = await failure(collect(c.deals(null)));
    expect(error.kind).toBe('deferred');
    expect(error.message).toMatch(/15000 of 100000 daily API requests left/);
  });

  it('a refresh that still gets 401 stops with auth after exactly one refresh (jsforce alone loops)', async () => {
    const d = deps({
      method: 'client_credentials',
      clientId: 'CID',
      clientSecret: 'SECRET',
      accessToken: 'OLD',
    });
    const api = nock(BASE)
      .post(`${V}/composite`)
      .times(2)
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const token = nock(BASE)
      .post(
        '/services/oauth2/token',
        (body) => body.grant_type === 'client_credentials' && body.client_id === 'CID',
      )
      .once()
      .reply(200, { access_token: 'NEW', instance_url: BASE, token_type: 'Bearer' });
    const error = await failure(connector(d.deps).account());
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/refused a token it had just issued/);
    expect(api.isDone()).toBe(true);
    expect(token.isDone()).toBe(true);
    expect(d.saved).toEqual([{ accessToken: 'NEW' }]);
  });

  it("the token endpoint's own outage is transient; its refusal is auth and quotes Salesforce", async () => {
    const credentials = { method: 'client_credentials', clientId: 'CID', clientSecret: 'SECRET' };
    nock(BASE).post('/services/oauth2/token').reply(503, 'Service Unavailable');
    const outage = await failure(connector(deps(credentials).deps).account());
    expect(outage.kind).toBe('transient');
    expect(classifyError(outage)).toEqual({ kind: 'retry' });
    expect(outage.message).toBe("Salesforce's token endpoint failed (503); the job retries.");

    nock(BASE)
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const refused = await failure(connector(deps(credentials).deps).account());
    expect(refused.kind).toBe('auth');
    expect(refused.message).toMatch(
      /refused to issue an access token \(invalid_client: invalid client credentials\)/,
    );
  });

  it('an access-token connection answered 401 stops with auth and says how to fix it', async () => {
    nock(BASE)
      .post(`${V}/composite`)
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const error = await failure(connector(deps(accessToken).deps).account());
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/add the connection again/);
  });

  it('UNABLE_TO_LOCK_ROW is retried with backoff through the injected clock, then succeeds', async () => {
    const d = deps(accessToken);
    const lock = [
      { message: 'unable to obtain exclusive access to this record', errorCode: 'UNABLE_TO_LOCK_ROW' },
    ];
    nock(BASE).post(`${V}/composite`).times(2).reply(400, lock);
    nockAccount(organization, null);
    const account = await connector(d.deps).account();
    expect(account.accountId).toBe(ORG);
    expect(d.sleeps).toHaveLength(2);
    expect(d.sleeps[1]).toBeGreaterThan(d.sleeps[0]!);
  });

  it('UNABLE_TO_LOCK_ROW that persists becomes transient: BullMQ retries the job with backoff', async () => {
    const d = deps(accessToken);
    nock(BASE)
      .post(`${V}/composite`)
      .times(3)
      .reply(400, [
        { message: 'unable to obtain exclusive access to this record', errorCode: 'UNABLE_TO_LOCK_ROW' },
      ]);
    const error = await failure(connector(d.deps).account());
    expect(error.kind).toBe('transient');
    expect(classifyError(error)).toEqual({ kind: 'retry' });
    expect(d.sleeps).toHaveLength(2);
  });

  it('malformed records are rejected with a reason (quarantined) while the page and its checkpoint go on', async () => {
    nockAccount(organization, null);
    nock(BASE)
      .get(`${V}/queryAll`)
      .query(true)
      .reply(
        200,
        result([
          opportunity(1),
          opportunity(2, { Amount: 'lots' }),
          opportunity(3, { CloseDate: '30/04/2026' }),
          opportunity(4),
        ]),
      );
    const pages = (await collect(connector(deps(accessToken).deps).deals(null))) as Page<Deal>[];
    expect(pages).toHaveLength(1);
    const [page] = pages;
    expect(page?.records.map((d) => d.name)).toEqual(['Deal 1', 'Deal 4']);
    expect(page?.rejected.map((r) => r.externalId)).toEqual([opportunity(2).Id, opportunity(3).Id]);
    expect(page?.rejected[0]?.reason).toMatch(/Amount/);
    expect(page?.rejected[1]?.reason).toMatch(/CloseDate/);
    expect(page?.checkpoint).toEqual({ systemModstamp: '2026-03-04T10:00:00.000Z', id: opportunity(4).Id });
  });

  it('a multi-currency org: CurrencyIsoCode read, amountHome converted at CurrencyType rates', async () => {
    const seen: string[] = [];
    nockAccount(organization, [
      { IsoCode: 'USD', ConversionRate: 1, IsCorporate: true, IsActive: true },
      { IsoCode: 'EUR', ConversionRate: 0.8, IsCorporate: false, IsActive: true },
    ]);
    nock(BASE)
      .get(`${V}/queryAll`)
      .query(true)
      .reply(200, (uri) => {
        seen.push(soqlOf(uri));
        return result([
          opportunity(1, { Amount: 1000, CurrencyIsoCode: 'EUR' }),
          opportunity(2, { Amount: 250.5, CurrencyIsoCode: 'USD' }),
        ]);
      });
    const c = connector(deps(accessToken).deps);
    expect(await c.account()).toMatchObject({ multiCurrency: true, currency: 'USD' });
    const [page] = (await collect(c.deals(null))) as Page<Deal>[];
    expect(seen[0]).toContain('CurrencyIsoCode');
    expect(page?.records.map((d) => [d.amount, d.currency, d.amountHome])).toEqual([
      ['1000', 'EUR', '1250.00'],
      ['250.5', 'USD', '250.5'],
    ]);
    expect(page?.records[0]?.closeDate).toBe('2026-04-30');
  });

  it('a single-currency org: no CurrencyIsoCode in the query, amounts in the org currency', async () => {
    const seen: string[] = [];
    nockAccount({ ...organization, DefaultCurrencyIsoCode: 'EUR' }, null);
    nock(BASE)
      .get(`${V}/queryAll`)
      .query(true)
      .reply(200, (uri) => {
        seen.push(soqlOf(uri));
        return result([opportunity(1, { Amount: 99.99 })]);
      });
    const c = connector(deps(accessToken).deps);
    expect(await c.account()).toMatchObject({
      multiCurrency: false,
      currency: 'EUR',
      fiscalYearStartMonth: 2,
    });
    const [page] = (await collect(c.deals(null))) as Page<Deal>[];
    expect(seen[0]).not.toContain('CurrencyIsoCode');
    expect(page?.records[0]).toMatchObject({
      amount: '99.99',
      currency: 'EUR',
      amountHome: '99.99',
      probability: 0.1,
    });
  });

  it('resumes from the (SystemModstamp, Id) checkpoint with a lookback, never a cursor URL', async () => {
    const seen: string[] = [];
    nockAccount(organization, null);
    nock(BASE)
      .get(`${V}/queryAll`)
      .query(true)
      .reply(200, (uri) => {
        seen.push(soqlOf(uri));
        // A lookback row (before the keyset) and one after it.
        return result([opportunity(1, { SystemModstamp: '2026-03-05T09:58:00.000+0000' }), opportunity(7)]);
      });
    const c = connector(deps(accessToken).deps);
    const since = { systemModstamp: '2026-03-05T10:00:00.000Z', id: '0065g0000000005AAA' };
    const [page] = await collect(c.deals(since));
    expect(seen[0]).toBe(
      'SELECT Id, IsDeleted, Name, StageName, Amount, Probability, CloseDate, ForecastCategory, OwnerId, CreatedDate, SystemModstamp FROM Opportunity ' +
        "WHERE (SystemModstamp >= 2026-03-05T09:55:00Z AND SystemModstamp <= 2026-03-05T10:00:00Z) OR SystemModstamp > 2026-03-05T10:00:00Z OR (SystemModstamp = 2026-03-05T10:00:00Z AND Id > '0065g0000000005AAA') " +
        'ORDER BY SystemModstamp, Id',
    );
    expect(page?.checkpoint).toEqual({ systemModstamp: '2026-03-07T10:00:00.000Z', id: opportunity(7).Id });
  });
});
