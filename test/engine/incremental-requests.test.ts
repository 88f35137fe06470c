import { expect, it } from 'vitest';
import type { SandboxRecord } from '../../sandboxes/hubspot/index.js';
import { runSync } from '../../src/app/run-sync.js';
import { createHubspotHarness } from '../connectors/hubspot/harness.js';
import { createSalesforceHarness } from '../connectors/salesforce/harness.js';

/**
 * Requests of an incremental HubSpot sync through the engine and the connector factory, by
 * endpoint. 201 deals edited (amount only), chosen among those whose history the search page
 * answers itself (one pass through the stages, never reassigned after closing: the same test as
 * test/connectors/hubspot/request-count.test.ts, from the generated history), so the sync makes no
 * history read and the count is ⌈201 ÷ 200⌉ = 2 searches plus the constant.
 */
const HS_CHANGED = 201;
const SEARCH_PAGE = 200;
const LIST_PAGE = 100;

function answeredByPage(deal: SandboxRecord, closedStages: ReadonlySet<string>): boolean {
  const stages = deal.history['dealstage'] ?? [];
  if (new Set(stages.map((e) => e.value)).size < stages.length) return false;
  const owners = deal.history['hubspot_owner_id'] ?? [];
  const assigned = owners.at(-1)?.timestamp ?? 0;
  const closedAt = closedStages.has(deal.properties['dealstage'] ?? '')
    ? (stages.at(-1)?.timestamp ?? 0)
    : null;
  return !(closedAt !== null && assigned > deal.createdAt && assigned > closedAt);
}

it('an incremental HubSpot sync of 201 changed deals: ⌈k ÷ 200⌉ searches and a constant of account, owners ×2, pipelines, archived deals, contact search, archived contacts, goals', async () => {
  const h = await createHubspotHarness('hs_incremental_requests', { seed: 5, deals: 1_500, contacts: 120 });
  try {
    const connection = await h.addConnection('incremental', { tier: 'professional' });
    const first = await runSync(h.factoryEnv(), connection, { push: false });
    expect(first.error).toBeNull();
    const closed = new Set(
      h.sandbox.data.pipelines.flatMap((p) => p.stages.filter((st) => st.isClosed).map((st) => st.id)),
    );
    const edited = [...h.sandbox.data.deals()].filter((d) => answeredByPage(d, closed)).slice(0, HS_CHANGED);
    expect(edited).toHaveLength(HS_CHANGED);
    for (const [k, deal] of edited.entries()) h.sandbox.editDeal(deal.id, { amount: String(900 + k) });
    h.sandbox.resetRequests();
    const second = await runSync(h.factoryEnv(), connection, { push: false });
    expect(second.error).toBeNull();
    expect(second.pulled.changed).toBe(HS_CHANGED);
    const log = h.sandbox.requests;
    const by = countBy(
      log.map((r) => {
        const archived = new URLSearchParams(r.query).get('archived') === 'true';
        return `${r.method} ${r.path}${archived ? ' archived' : ''}`;
      }),
    );
    const pages = (n: number) => Math.max(1, Math.ceil(n / LIST_PAGE));
    const archivedDeals = [...h.sandbox.data.deals({ archived: true })].length;
    const archivedContacts = [...h.sandbox.data.contacts({ archived: true })].length;
    const constant = {
      'GET /account-info/v3/details': 1,
      // Owners: the active list, then the archived one (fewer than 100 each here).
      'GET /crm/v3/owners': 1,
      'GET /crm/v3/owners archived': 1,
      'GET /crm/v3/pipelines/deals': 1,
      'GET /crm/v3/objects/deals archived': pages(archivedDeals),
      // No contact changed: one empty search page.
      'POST /crm/v3/objects/contacts/search': 1,
      'GET /crm/v3/objects/contacts archived': pages(archivedContacts),
      'GET /crm/v3/objects/goal_targets': pages(h.sandbox.data.goals.length),
    };
    expect(by).toEqual({
      'POST /crm/v3/objects/deals/search': Math.ceil(HS_CHANGED / SEARCH_PAGE),
      ...constant,
    });
  } finally {
    await h.close();
  }
}, 180_000);

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
