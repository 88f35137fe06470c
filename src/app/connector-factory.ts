import type { Redis } from 'ioredis';
import type { Clock, ConnectorDeps, CrmConnector, RequestBudget } from '../../connectors/connector.js';
import {
  type BudgetBuckets,
  createRateBudget,
  type HubSpotTier,
  hubspotBudgetSpec,
  SALESFORCE_BUDGET_SPEC,
} from '../../connectors/rate-budget.js';
import type { ConnectorHooks } from '../../workers/progress.js';
import type { Connection, ConnectionStore } from '../connections/connection-store.js';
import { createTokenStore } from '../connections/token-store.js';
import { UnsupportedConnectorError } from '../connections/unsupported-connector-error.js';
import type { Logger } from '../logger.js';
import { countingFetch, noSyncMetrics, type SyncMetrics } from '../observability/sync-metrics.js';

/**
 * Builds the connector for a stored connection with its injected I/O (fetch, the shared rate
 * budget, the token store). The wiring is the same for every CRM; what differs is declared in
 * one recipe per CRM below, so a new CRM is a row, not a second builder.
 */
export interface ConnectorEnv {
  readonly redis: Redis;
  readonly queuePrefix: string;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  /** Counts every CRM request, 429 and budget reading (`/metrics`); nothing by default. */
  readonly metrics?: SyncMetrics;
}

export type ConnectorBuilder = (
  connection: Connection,
  env: ConnectorEnv,
  hooks?: ConnectorHooks,
) => Promise<CrmConnector>;

interface ConnectorRecipe {
  /** The rate budget's buckets; the budget itself is keyed by the CRM account, not the connection. */
  readonly buckets: (connection: Connection) => BudgetBuckets;
  /** Loaded on first use, so a command syncing HubSpot never loads jsforce and the other way round. */
  readonly create: (connection: Connection, deps: ConnectorDeps) => Promise<CrmConnector>;
}

/** Unknown or unset tiers get the smallest HubSpot budget: too slow is better than 429s. */
function hubspotTier(connection: Connection): HubSpotTier {
  if (connection.tier === 'oauth' || (connection.tier === null && connection.authMethod === 'oauth'))
    return 'oauth_app';
  const tiers: readonly string[] = ['free', 'starter', 'professional', 'enterprise'];
  return tiers.includes(connection.tier ?? '') ? (connection.tier as HubSpotTier) : 'free';
}

const RECIPES: Readonly<Record<Connection['kind'], ConnectorRecipe>> = {
  hubspot: {
    buckets: (connection) => hubspotBudgetSpec(hubspotTier(connection)),
    create: async (connection, deps) => {
      const { createHubspotConnector } = await import('../../connectors/hubspot/index.js');
      return createHubspotConnector({ baseUrl: connection.baseUrl, deps });
    },
  },
  salesforce: {
    buckets: () => SALESFORCE_BUDGET_SPEC,
    create: async (connection, deps) => {
      if (!connection.baseUrl) {
        throw new Error(
          `Connection "${connection.name}" has no instance URL; add it again with --instance-url.`,
        );
      }
      const { createSalesforceConnector } = await import('../../connectors/salesforce/index.js');
      return createSalesforceConnector({
        instanceUrl: connection.baseUrl,
        loginUrl: connection.loginUrl,
        apiVersion: connection.apiVersion,
        deps,
      });
    },
  },
};

const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

async function buildConnector(
  connection: Connection,
  env: ConnectorEnv,
  recipe: ConnectorRecipe,
  hooks: ConnectorHooks = {},
): Promise<CrmConnector> {
  const tokens = createTokenStore(env.connections, connection.id);
  const budgetFor = (accountId: string): RequestBudget =>
    createRateBudget({
      redis: env.redis,
      prefix: env.queuePrefix,
      account: { kind: connection.kind, accountId },
      buckets: recipe.buckets(connection),
      ...(hooks.onRateWait && { onWait: hooks.onRateWait }),
    });
  // The budget is per CRM account (portal, org), so every connection to one account shares it.
  // A connection that has never synced does not know its account yet: its connector starts on a
  // budget of its own, asks for the account (which the connector keeps for the run, so the pull
  // stage's own account() costs nothing) and moves to the account's budget.
  let budget = budgetFor(connection.accountId ?? `connection-${connection.id}`);
  const metrics = env.metrics ?? noSyncMetrics;
  const connector = await recipe.create(connection, {
    fetch: countingFetch(globalThis.fetch, metrics, connection.name),
    tokens,
    clock: realClock,
    budget: {
      acquire: (bucket) => budget.acquire(bucket),
      observe: (signal) => {
        if (signal.remaining !== undefined)
          metrics.budgetRemaining(connection.name, signal.bucket ?? 'default', signal.remaining);
        return budget.observe(signal);
      },
    },
  });
  if (connection.accountId === null) budget = budgetFor((await connector.account()).accountId);
  return connector;
}

const builders: Partial<Record<Connection['kind'], ConnectorBuilder>> = {
  hubspot: (connection, env, hooks) => buildConnector(connection, env, RECIPES.hubspot, hooks),
  salesforce: (connection, env, hooks) => buildConnector(connection, env, RECIPES.salesforce, hooks),
};

/** Tests register doubles in place of a CRM's connector. */
export function registerConnectorBuilder(kind: Connection['kind'], build: ConnectorBuilder): void {
  builders[kind] = build;
}

export function createConnectorFactory(
  env: ConnectorEnv,
): (connection: Connection, hooks?: ConnectorHooks) => Promise<CrmConnector> {
  return async (connection, hooks) => {
    const build = builders[connection.kind];
    if (!build) {
      throw new UnsupportedConnectorError(
        `This build cannot sync ${connection.kind} connections yet; upgrade salesops-sync or remove "${connection.name}".`,
      );
    }
    return build(connection, env, hooks);
  };
}
