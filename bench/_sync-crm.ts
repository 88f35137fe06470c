/**
 * One CRM as `bench/sync.ts` drives it: its sandbox (started in the benchmark's process, so the
 * request log is read directly), the `connections add` arguments that point the product at it,
 * the peer script's environment, and which requests are paged reads and which the constant.
 */
import { type HubspotSandbox, startHubspotSandbox } from '../sandboxes/hubspot/index.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/index.js';
import { hubspotProfile, salesforceProfile } from './_history-profile.js';
import { hubspotKind, type RequestTally, salesforceKind, tally } from './_request-kinds.js';

export type Crm = 'hubspot' | 'salesforce';

/** HubSpot list pages hold 100; Salesforce query pages at most 2,000 (batchSize's ceiling). */
export const PAGE: Readonly<Record<Crm, number>> = { hubspot: 100, salesforce: 2000 };

/**
 * What any full pull reads once, whatever the portal's size. HubSpot: account details, owners,
 * archived owners, pipelines, goals. Salesforce: the token, Organization, CurrencyType, User,
 * Group (queues), OpportunityStage, ForecastingQuota.
 */
export const CONSTANT: Readonly<Record<Crm, number>> = { hubspot: 5, salesforce: 7 };

const PROFILE_MAX_SALESFORCE = 200_000;

export interface CrmTarget {
  readonly crm: Crm;
  readonly sandbox: HubspotSandbox | SalesforceSandbox;
  readonly addArgs: readonly string[];
  readonly kinds: () => RequestTally;
  readonly reset: () => void;
  readonly peer: { readonly script: string; readonly env: NodeJS.ProcessEnv };
  readonly profile: () => unknown;
  /** Edits the first `count` live deals as a user would (amount + 1), for an incremental sync. */
  readonly editDeals: (count: number) => void;
}

export async function startCrm(crm: Crm, deals: number, others: number): Promise<CrmTarget> {
  if (crm === 'hubspot') {
    // The sandbox sends rate-limit headers only when it has a limit; a generous advertised one
    // lets the product's budget adopt it (as it adopts HubSpot's real headers) instead of pacing
    // itself at the 190 per 10 s of its configured tier. The peer ignores the headers.
    const sandbox = await startHubspotSandbox({
      seed: 1,
      deals,
      contacts: others,
      rateLimit: 1_000_000,
      searchRateLimit: 1_000_000,
    });
    return {
      crm,
      sandbox,
      addArgs: [
        'hubspot',
        '--access-token',
        sandbox.accessToken,
        '--base-url',
        sandbox.baseUrl,
        '--tier',
        'professional',
      ],
      kinds: () => tally(sandbox.requests.map((r) => hubspotKind(r.method, r.path))),
      reset: () => sandbox.resetRequests(),
      peer: {
        script: 'hubspot-peer.ts',
        env: { SANDBOX_URL: sandbox.baseUrl, ACCESS_TOKEN: sandbox.accessToken },
      },
      profile: () => hubspotProfile(sandbox),
      editDeals: (count) => {
        const picked: { id: string; amount: string | null }[] = [];
        for (const deal of sandbox.data.deals()) {
          if (picked.length >= count) break;
          picked.push({ id: deal.id, amount: deal.properties['amount'] ?? null });
        }
        for (const { id, amount } of picked)
          sandbox.editDeal(id, { amount: String(Number(amount ?? 0) + 1) });
      },
    };
  }
  const sandbox = await startSalesforceSandbox({ seed: 1, deals, leads: others, dailyLimit: 100_000_000 });
  return {
    crm,
    sandbox,
    addArgs: [
      'salesforce',
      '--instance-url',
      sandbox.instanceUrl,
      '--login-url',
      sandbox.loginUrl,
      '--client-id',
      sandbox.clientId,
      '--client-secret',
      sandbox.clientSecret,
    ],
    kinds: () => tally(sandbox.requests.map((r) => salesforceKind(r.method, r.path))),
    reset: () => sandbox.resetRequests(),
    peer: {
      script: 'salesforce-peer.ts',
      env: { INSTANCE_URL: sandbox.instanceUrl, ACCESS_TOKEN: sandbox.accessToken },
    },
    // The Salesforce profile holds every history row in memory: past this size the benchmark's
    // own process would need more memory than the measurement is worth.
    profile: () => (deals <= PROFILE_MAX_SALESFORCE ? salesforceProfile(sandbox) : null),
    editDeals: (count) => {
      const live = sandbox.data.records('Opportunity').filter((row) => row['IsDeleted'] !== true);
      for (const row of live.slice(0, count)) {
        sandbox.edit('Opportunity', String(row['Id']), { Amount: Number(row['Amount'] ?? 0) + 1 });
      }
    },
  };
}

/**
 * Requests that grow with the data. HubSpot: everything under /crm/v3/objects/ (deals and
 * contacts lists, history batch reads, searches) but goals. Salesforce: queries of Opportunity,
 * Lead and their history objects, and every queryMore.
 */
export function pagedRequests(crm: Crm, requests: RequestTally): number {
  const paged = (kind: string) =>
    crm === 'hubspot'
      ? kind.includes('/crm/v3/objects/') && !kind.includes('goal_targets')
      : kind === 'queryMore' || /^(query|queryAll) (Opportunity|Lead)(History|FieldHistory)?$/.test(kind);
  return Object.entries(requests.byKind).reduce((sum, [kind, n]) => sum + (paged(kind) ? n : 0), 0);
}
