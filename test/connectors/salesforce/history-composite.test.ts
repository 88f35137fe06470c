import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSalesforceConnector } from '../../../connectors/salesforce/index.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../../sandboxes/salesforce/index.js';
import { instantClock, ORG_NOW } from './harness.js';

/**
 * History through Composite (API 62.0): "up to 25 subrequests ... Up to 5 of these subrequests
 * can be ... query operations" and "the entire series of requests counts as a single call
 * toward your API limits" (REST API Developer Guide, Composite). Counted in the sandbox's log.
 */
const DEALS = 2_001;
/** The first read of a run assumes 4 rows per id: 1,800 ÷ 4 = 450 ids per query. */
const FIRST_IDS_PER_QUERY = 450;

const connectorFor = (sandbox: SalesforceSandbox, fetch: typeof globalThis.fetch = globalThis.fetch) =>
  createSalesforceConnector({
    instanceUrl: sandbox.instanceUrl,
    apiVersion: '62.0',
    deps: {
      fetch,
      clock: instantClock,
      budget: { acquire: async () => {}, observe: async () => {} },
      tokens: {
        load: async () => ({ method: 'access_token', accessToken: sandbox.accessToken }),
        save: async () => {},
      },
    },
  });

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('Salesforce history through Composite', () => {
  let sandbox: SalesforceSandbox;
  let ids: string[];
  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ seed: 11, deals: DEALS, leads: 10, now: ORG_NOW });
    ids = sandbox.data.records('Opportunity').map((o) => String(o['Id']));
  });
  afterAll(() => sandbox.close());

  it('2,001 ids: 5 queries per history object, five operations per call, each call one API request', async () => {
    const connector = connectorFor(sandbox);
    await connector.account();
    // Pages each query needs, from the sandbox's own rows: `query` skips deleted parents' rows.
    const rowsOf = (object: string, where: (r: Record<string, unknown>) => boolean) => {
      const count = new Map<string, number>();
      for (const r of sandbox.data.records(object))
        if (r['IsDeleted'] !== true && where(r))
          count.set(String(r['OpportunityId']), (count.get(String(r['OpportunityId'])) ?? 0) + 1);
      return count;
    };
    const stageRows = rowsOf('OpportunityHistory', () => true);
    const ownerRows = rowsOf(
      'OpportunityFieldHistory',
      (r) => r['Field'] === 'Owner' || r['Field'] === 'created',
    );
    let operations = 0;
    for (const rows of [stageRows, ownerRows])
      for (let i = 0; i < DEALS; i += FIRST_IDS_PER_QUERY) {
        const n = ids.slice(i, i + FIRST_IDS_PER_QUERY).reduce((sum, id) => sum + (rows.get(id) ?? 0), 0);
        operations += Math.max(1, Math.ceil(n / 2000));
      }
    // ⌈2,001 ÷ 450⌉ = 5 queries per object: 10 first pages, and a second page where rows pass 2,000.
    expect(operations).toBeGreaterThanOrEqual(10);

    const usedBefore = sandbox.data.apiUsage().used;
    sandbox.resetRequests();
    const changes = await drain(connector.dealHistory(ids));
    expect(changes.length).toBeGreaterThan(DEALS);
    const calls = sandbox.requests;
    expect(calls.every((r) => r.path === '/services/data/v62.0/composite' && r.status === 200)).toBe(true);
    expect(calls.every((r) => !r.mutating)).toBe(true);
    // Five operations per call fill every call but the last.
    expect(calls).toHaveLength(Math.ceil(operations / 5));
    expect(sandbox.data.apiUsage().used - usedBefore).toBe(calls.length);
  });

  it('no subrequest URI is longer than a direct GET may be (15,758 bytes with this token), also once few rows per id make queries long; no token in the body', async () => {
    const urls: string[] = [];
    const headerNames: string[] = [];
    const capture: typeof fetch = async (url, init) => {
      if (String(url).endsWith('/composite') && typeof init?.body === 'string') {
        const body = JSON.parse(init.body) as {
          compositeRequest: { url: string; httpHeaders?: Record<string, string> }[];
        };
        urls.push(...body.compositeRequest.map((r) => r.url));
        headerNames.push(...body.compositeRequest.flatMap((r) => Object.keys(r.httpHeaders ?? {})));
      }
      return fetch(url, init);
    };
    const connector = connectorFor(sandbox, capture);
    await connector.account(); // plain queries first, as in a sync
    // The first read learns the rows per id; owner history has ~1.2, so the second read's owner
    // queries would hold ~1,500 ids (33 KB) but for the URI budget, which stops them at 703.
    await drain(connector.dealHistory(ids.slice(0, 2000)));
    await drain(connector.dealHistory(ids.slice(0, 2000)));
    const bytes = urls.map((u) =>
      Buffer.byteLength(new URL(u, 'http://x').pathname + new URL(u, 'http://x').search),
    );
    expect(Math.max(...bytes)).toBeLessThanOrEqual(15_758);
    expect(Math.max(...bytes)).toBeGreaterThan(15_758 - 22);
    // Subrequests carry the query options only; the session goes in the call's own header.
    expect(new Set(headerNames)).toEqual(new Set(['Sforce-Query-Options']));
  });

  it('a composite of queries only is resent in place after a 503, like a GET', async () => {
    let failed = 0;
    const flaky: typeof fetch = async (url, init) => {
      if (String(url).endsWith('/composite') && failed === 0) {
        failed++;
        return new Response(JSON.stringify([{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }]), {
          status: 503,
        });
      }
      return fetch(url, init);
    };
    const connector = connectorFor(sandbox, flaky);
    const changes = await drain(connector.dealHistory(ids.slice(0, 10)));
    expect(failed).toBe(1);
    expect(changes.length).toBeGreaterThanOrEqual(10);
  });

  it('the sandbox refuses a sixth query operation and a 26th subrequest, and answers a bad query in its own slot', async () => {
    const post = (compositeRequest: unknown[]) =>
      fetch(`${sandbox.instanceUrl}/services/data/v62.0/composite`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ compositeRequest }),
      });
    const query = (k: number, soql = 'SELECT Id FROM User') => ({
      method: 'GET',
      url: `/services/data/v62.0/query?q=${encodeURIComponent(soql)}`,
      referenceId: `r${k}`,
    });
    expect((await post([0, 1, 2, 3, 4, 5].map((k) => query(k)))).status).toBe(400);
    expect((await post(Array.from({ length: 26 }, (_, k) => query(k)))).status).toBe(400);
    const mixed = await post([query(0), query(1, 'SELECT Nope FROM User')]);
    expect(mixed.status).toBe(200);
    const body = (await mixed.json()) as {
      compositeResponse: { httpStatusCode: number; referenceId: string }[];
    };
    expect(body.compositeResponse.map((r) => [r.referenceId, r.httpStatusCode])).toEqual([
      ['r0', 200],
      ['r1', 400],
    ]);
  });
});
