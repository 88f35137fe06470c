import { expect, it } from 'vitest';
import { runSync } from '../../../src/app/run-sync.js';
import { createSalesforceHarness } from './harness.js';

/**
 * A first full sync of 30,000 opportunities through the engine, counted in the sandbox's request
 * log (`npm run test:long -- test/connectors/salesforce/request-count.long.test.ts`); prints JSON.
 * 500-id GET batches needed ⌈2,000 ÷ 500⌉ = 4 queries per history object per 2,000-deal page:
 * 15 pages × 4 × 2 = 120 history queries before their next pages. Composite reads the same
 * history in calls of five query operations.
 */
const DEALS = 30_000;

it('a first sync of 30,000 opportunities reads history in under half the old 120 history queries', async () => {
  const h = await createSalesforceHarness('sf_request_count', { seed: 7, deals: DEALS, leads: 10 });
  try {
    const connection = await h.addConnection('count');
    h.sandbox.resetRequests();
    const first = await runSync(h.factoryEnv(), connection, { push: false });
    expect(first.error).toBeNull();
    const by: Record<string, number> = {};
    for (const r of h.sandbox.requests) {
      const q = new URL(r.path, 'http://x').searchParams.get('q');
      const key = q ? (/FROM (\w+)/.exec(q)?.[1] ?? 'query') : r.path.replace(/\/query\/.*/, '/query/<next>');
      by[key] = (by[key] ?? 0) + 1;
    }
    const requests = h.sandbox.requests.length;
    h.sandbox.resetRequests();
    const second = await runSync(h.factoryEnv(), connection, { push: false });
    const unchanged = h.sandbox.requests.length;
    console.log(JSON.stringify({ deals: DEALS, pulled: first.pulled, requests, by, unchanged }));
    expect(by['OpportunityHistory'] ?? 0).toBe(0);
    expect(by['OpportunityFieldHistory'] ?? 0).toBe(0);
    expect(by['/services/data/v62.0/composite']).toBeLessThan(120 / 2);
    expect(second.pulled.changed).toBe(0);
    expect(unchanged).toBeLessThanOrEqual(8);
  } finally {
    await h.close();
  }
});
