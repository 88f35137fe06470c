import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../../connectors/connector.js';
import { isConnectorError } from '../../../connectors/connector-error.js';
import {
  createSalesforceConnector,
  type SalesforceConnectorOptions,
} from '../../../connectors/salesforce/index.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../../sandboxes/salesforce/index.js';
import { instantClock, ORG_NOW } from './harness.js';

/**
 * History reads: through Composite from API 38.0, else GET queries batched by Salesforce's URI limit (16,384 bytes for URI + headers, Salesforce
 * Help 000386264), counted in the sandbox's request log.
 *
 * The batch sizes, by hand: the sandbox's access token has 114 characters (15-character org id,
 * `!AQ`, 96 more), so the URI may take 16,384 − 512 (allowance for the other headers) − 114 =
 * 15,758 bytes. An id costs 22 bytes (`%27` + 15 characters + `%27` + `,`), the last one 21.
 * The rest of an OpportunityHistory query is 191 bytes: `/services/data/v37.0/query?q=` (29)
 * and the SOQL around the list, 134 characters with 14 spaces written `%20` (134 + 28 = 162).
 * So n ids fit while 191 + 22n − 1 ≤ 15,758: n = 707 (708 would need 15,766). The
 * OpportunityFieldHistory query's fixed part is 280 bytes (199 characters, 22 spaces, the four
 * apostrophes of `'Owner', 'created'` as `%27`: 199 + 44 + 8 = 251, plus 29): n = 703.
 */
const STAGE_BATCH = 707;
const OWNER_BATCH = 703;
/** 2,001 opportunities: past one Salesforce page, and past 2 × 707 = 1,414 ids. */
const DEALS = 2_001;

/** API 37.0 has no Composite resource: the connector falls back to GET batches. */
const GET_VERSION = '37.0';

const opts = (sandbox: SalesforceSandbox, extra: Partial<SalesforceConnectorOptions> = {}) =>
  createSalesforceConnector({
    instanceUrl: sandbox.instanceUrl,
    apiVersion: GET_VERSION,
    lookbackMs: 0,
    ...extra,
    deps: {
      fetch: globalThis.fetch,
      clock: instantClock,
      budget: { acquire: async () => {}, observe: async () => {} },
      tokens: {
        load: async () => ({ method: 'access_token', accessToken: sandbox.accessToken }),
        save: async () => {},
      },
    },
  });

/** First requests of each query (not queryMore pages), by the object they read. */
function queriesOf(sandbox: SalesforceSandbox, object: string) {
  return sandbox.requests.filter((r) => {
    const q = new URL(r.path, 'http://x').searchParams.get('q');
    return q !== null && new RegExp(`FROM ${object} `).test(q);
  });
}

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('Salesforce history batching by the URI limit (API 37.0, GET)', () => {
  let sandbox: SalesforceSandbox;
  let ids: string[];
  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ seed: 11, deals: DEALS, leads: 10, now: ORG_NOW });
    ids = sandbox.data.records('Opportunity').map((o) => String(o['Id']));
  });
  afterAll(() => sandbox.close());

  it('the sandbox token is the 114 characters the hand-computed batches assume', () => {
    expect(sandbox.accessToken).toHaveLength(114);
    expect(ids).toHaveLength(DEALS);
  });

  it(`2,001 opportunities: ⌈2,001 ÷ ${STAGE_BATCH}⌉ = 3 stage and ⌈2,001 ÷ ${OWNER_BATCH}⌉ = 3 owner history queries (500-id batches made 5 each)`, async () => {
    const connector = opts(sandbox);
    await connector.account();
    sandbox.resetRequests();
    await drain(connector.dealHistory(ids));
    expect(queriesOf(sandbox, 'OpportunityHistory')).toHaveLength(3);
    expect(queriesOf(sandbox, 'OpportunityFieldHistory')).toHaveLength(3);
    expect(sandbox.requests.every((r) => r.status === 200)).toBe(true);
    // The longest URI is the batch that filled its budget, within a few bytes of 15,758.
    const longest = Math.max(...sandbox.requests.map((r) => Buffer.byteLength(r.path)));
    expect(longest).toBeLessThanOrEqual(15_758);
    expect(longest).toBeGreaterThan(15_758 - 22);
  });

  it('the batch boundary: 2 × 707 = 1,414 ids take 2 stage history queries, 1,415 take 3', async () => {
    const connector = opts(sandbox);
    await connector.account();
    sandbox.resetRequests();
    await drain(connector.dealHistory(ids.slice(0, 2 * STAGE_BATCH)));
    expect(queriesOf(sandbox, 'OpportunityHistory')).toHaveLength(2);
    sandbox.resetRequests();
    await drain(connector.dealHistory(ids.slice(0, 2 * STAGE_BATCH + 1)));
    expect(queriesOf(sandbox, 'OpportunityHistory')).toHaveLength(3);
  });

  it('a batch past the URI limit is refused by the sandbox, so too-large batches fail the read', async () => {
    // An allowance that ignores the headers: the URI itself stays under 16,384 but URI + headers do not.
    const connector = opts(sandbox, { queryUri: { headerAllowance: -114 } });
    await connector.account();
    sandbox.resetRequests();
    const error = await drain(connector.dealHistory(ids)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isConnectorError(error) && error.kind).toBe('invalid_request');
    expect(String((error as Error).message)).toContain('431');
    expect(sandbox.requests.at(-1)?.status).toBe(431);
  });

  it('the sandbox answers 414 for a URI over 16,384 bytes and 431 when URI and headers are', async () => {
    const base = `${sandbox.instanceUrl}/services/data/v62.0/query?q=`;
    const soql = (n: number) => `SELECT Id FROM Opportunity WHERE Name = '${'x'.repeat(n)}'`;
    const uri = (n: number) => new URL(base + encodeURIComponent(soql(n))).pathname.length;
    const prefix = uri(0);
    const auth = { Authorization: `Bearer ${sandbox.accessToken}` };
    // 16,385 bytes of URI: one over the limit.
    const over = await fetch(base + encodeURIComponent(soql(16_385 - prefix)), { headers: auth });
    expect(over.status).toBe(414);
    // 16,000 bytes of URI: under the limit alone, over it with ~330 bytes of headers and 100 more.
    const crowded = await fetch(base + encodeURIComponent(soql(16_000 - prefix)), {
      headers: { ...auth, 'X-Padding': 'p'.repeat(100) },
    });
    expect(crowded.status).toBe(431);
    const fine = await fetch(base + encodeURIComponent(soql(15_000 - prefix)), { headers: auth });
    expect(fine.status).toBe(200);
  });

  it('a deleted opportunity comes back from queryAll (IsDeleted) on the next incremental read, in the one stream query', async () => {
    const connector = opts(sandbox);
    let last: Checkpoint | null = null;
    for await (const page of connector.deals(null)) last = page.checkpoint;
    const live = sandbox.data.records('Opportunity').find((o) => o['IsDeleted'] !== true)!;
    sandbox.softDelete('Opportunity', String(live['Id']));
    sandbox.resetRequests();
    const pages = await drain(connector.deals(last));
    expect(pages.flatMap((p) => p.deletedIds)).toEqual([String(live['Id'])]);
    expect(pages.flatMap((p) => p.records)).toEqual([]);
    expect(sandbox.requests.map((r) => new URL(r.path, 'http://x').pathname)).toEqual([
      `/services/data/v${GET_VERSION}/queryAll`,
    ]);
  });
});
