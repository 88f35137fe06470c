import { expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { createHubspotHarness } from '../connectors/hubspot/harness.js';
import { createSalesforceHarness } from '../connectors/salesforce/harness.js';

/**
 * Requests per stream of a first sync through the engine and the connector factory (a
 * connection that has never synced), from the sandboxes' request logs; prints one JSON line per
 * CRM (`npm run test:long -- test/engine/request-table.long.test.ts`). HubSpot: 20,000 deals and
 * 3,000 contacts (seed 17); Salesforce: 30,000 opportunities (seed 7, 10 leads).
 */
const count = (keys: readonly string[]) => {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
};

it('HubSpot, 20,000 deals and 3,000 contacts: requests per stream of a first sync', async () => {
  const h = await createHubspotHarness('hs_request_table', { seed: 17, deals: 20_000, contacts: 3_000 });
  try {
    const connection = await h.addConnection('table', { tier: 'professional' });
    h.sandbox.resetRequests();
    const first = await runSync(h.factoryEnv(), connection, { push: false });
    expect(first.error).toBeNull();
    const by = count(
      h.sandbox.requests.map((r) => {
        const q = new URLSearchParams(r.query);
        const kind = r.path.endsWith('/batch/read') ? (r.withHistory ? ' history' : ' batch') : '';
        const ids = q.get('properties') === 'hs_object_id' ? ' ids' : '';
        return `${r.method} ${r.path}${q.get('archived') === 'true' ? ' archived' : ''}${ids}${kind}`;
      }),
    );
    console.log(
      JSON.stringify({ crm: 'hubspot', requests: h.sandbox.requests.length, by, pulled: first.pulled }),
    );
  } finally {
    await h.close();
  }
});

it('Salesforce, 30,000 opportunities: requests per object of a first sync', async () => {
  const h = await createSalesforceHarness('sf_request_table', { seed: 7, deals: 30_000, leads: 10 });
  try {
    const connection = await h.addConnection('table');
    h.sandbox.resetRequests();
    const first = await runSync(h.factoryEnv(), connection, { push: false });
    expect(first.error).toBeNull();
    const by = count(
      h.sandbox.requests.map((r) => {
        const q = new URL(r.path, 'http://x').searchParams.get('q');
        if (q) return `${/^SELECT Id FROM/.test(q) ? 'ids ' : ''}${/FROM (\w+)/.exec(q)?.[1] ?? 'query'}`;
        if (r.path.endsWith('/composite')) return 'composite';
        return /\/query(All)?\/[^/]+$/.test(r.path) ? 'next page' : `${r.method} ${r.path}`;
      }),
    );
    console.log(
      JSON.stringify({ crm: 'salesforce', requests: h.sandbox.requests.length, by, pulled: first.pulled }),
    );
  } finally {
    await h.close();
  }
});
