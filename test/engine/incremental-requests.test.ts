import { expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { createSalesforceHarness } from '../connectors/salesforce/harness.js';

/**
 * Requests of an incremental Salesforce sync through the engine and the connector factory (a
 * connection that has never synced, so the factory learns the org id too), counted in the
 * sandbox's request log by the object each query reads.
 */
const DEALS = 2_100;
const CHANGED = 2_001;
/** Salesforce's default query batch: records per Opportunity page. */
const PAGE = 2_000;

const objectOf = (path: string): string => {
  const q = new URL(path, 'http://x').searchParams.get('q');
  if (q) return /FROM (\w+)/.exec(q)?.[1] ?? 'query';
  if (path.endsWith('/composite')) return 'composite';
  return /\/query\/[^/]+$/.test(path) ? 'next page' : path;
};

it('an incremental sync of 2,001 changed opportunities: ⌈k ÷ 2,000⌉ Opportunity pages, their history, and a constant of 6', async () => {
  const h = await createSalesforceHarness('sf_incremental_requests', { seed: 11, deals: DEALS, leads: 10 });
  try {
    const connection = await h.addConnection('incremental');
    expect(connection.accountId).toBeNull();
    h.sandbox.resetRequests();
    const first = await runSync(h.factoryEnv(), connection, { push: false });
    expect(first.error).toBeNull();
    const firstBy = countBy(h.sandbox.requests.map((r) => objectOf(r.path)));
    // The factory's account probe is the run's own account read: Organization and CurrencyType
    // are asked once, inside one Composite call, never as queries of their own.
    expect(firstBy['Organization'] ?? 0).toBe(0);
    expect(firstBy['CurrencyType'] ?? 0).toBe(0);
    // No delete check on a first sync: no `SELECT Id FROM Opportunity` listing.
    expect(h.sandbox.requests.filter((r) => /SELECT\+?%?2?0?Id\+FROM/.test(r.path))).toHaveLength(0);

    const ids = h.sandbox.data
      .records('Opportunity')
      .filter((r) => r['IsDeleted'] !== true)
      .map((r) => String(r['Id']));
    expect(ids.length).toBeGreaterThanOrEqual(CHANGED);
    for (const [k, id] of ids.slice(0, CHANGED).entries())
      h.sandbox.edit('Opportunity', id, { Amount: 700 + k });
    h.sandbox.resetRequests();
    const second = await runSync(h.factoryEnv(), connection, { push: false });
    expect(second.error).toBeNull();
    const by = countBy(h.sandbox.requests.map((r) => objectOf(r.path)));
    expect(second.pulled.changed).toBe(CHANGED);
    const opportunityPages = (by['Opportunity'] ?? 0) + (by['next page'] ?? 0);
    expect(opportunityPages).toBe(Math.ceil(CHANGED / PAGE));
    // The constant: the account Composite call (Organization + CurrencyType), User, Group (queues),
    // OpportunityStage, Lead (nothing changed: one empty page), ForecastingQuota.
    const constant = { account: 1, User: 1, Group: 1, OpportunityStage: 1, Lead: 1, ForecastingQuota: 1 };
    expect({
      User: by['User'],
      Group: by['Group'],
      OpportunityStage: by['OpportunityStage'],
      Lead: by['Lead'],
      ForecastingQuota: by['ForecastingQuota'],
    }).toEqual({ User: 1, Group: 1, OpportunityStage: 1, Lead: 1, ForecastingQuota: 1 });
    const historyCalls = (by['composite'] ?? 0) - constant.account;
    expect(historyCalls).toBeGreaterThan(0);
    expect(h.sandbox.requests.length).toBe(
      opportunityPages + historyCalls + Object.values(constant).reduce((a, b) => a + b, 0),
    );
  } finally {
    await h.close();
  }
}, 180_000);

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}
