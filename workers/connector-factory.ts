import type { Redis } from 'ioredis';
import type { Clock, CrmConnector } from '../connectors/connector.js';
import { createHubspotConnector } from '../connectors/hubspot/index.js';
import {
  createRateBudget,
  type HubSpotTier,
  hubspotBudgetSpec,
  SALESFORCE_BUDGET_SPEC,
} from '../connectors/rate-budget.js';
import { createSalesforceConnector } from '../connectors/salesforce/index.js';
import type { Connection, ConnectionStore } from '../src/connections/connection-store.js';
import { createTokenStore } from '../src/connections/token-store.js';
import type { Logger } from '../src/logger.js';

/**
 * Builds the connector for a stored connection with its injected I/O (fetch, the shared rate
 * budget, the token store). Each CRM registers a builder here as its connector lands.
 */
export interface ConnectorEnv {
  readonly redis: Redis;
  readonly queuePrefix: string;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
}

export type ConnectorBuilder = (connection: Connection, env: ConnectorEnv) => Promise<CrmConnector>;

const builders: Partial<Record<Connection['kind'], ConnectorBuilder>> = {};

/** Each CRM's connector module registers itself; tests register doubles the same way. */
export function registerConnectorBuilder(kind: Connection['kind'], build: ConnectorBuilder): void {
  builders[kind] = build;
}

export class UnsupportedConnectorError extends Error {
  override readonly name = 'UnsupportedConnectorError';
}

export function createConnectorFactory(env: ConnectorEnv): (connection: Connection) => Promise<CrmConnector> {
  return async (connection) => {
    const build = builders[connection.kind];
    if (!build) {
      throw new UnsupportedConnectorError(
        `This build cannot sync ${connection.kind} connections yet; upgrade salesops-sync or remove "${connection.name}".`,
      );
    }
    return build(connection, env);
  };
}

const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Unknown or unset tiers get the smallest HubSpot budget: too slow is better than 429s. */
function hubspotTier(connection: Connection): HubSpotTier {
  if (connection.tier === 'oauth' || (connection.tier === null && connection.authMethod === 'oauth'))
    return 'oauth_app';
  const tiers: readonly string[] = ['free', 'starter', 'professional', 'enterprise'];
  return tiers.includes(connection.tier ?? '') ? (connection.tier as HubSpotTier) : 'free';
}

registerConnectorBuilder('hubspot', async (connection, env) => {
  const tokens = createTokenStore(env.connections, connection.id);
  // The budget is per portal, so every connection to one portal shares it; a connection that has
  // never synced learns its portal id with one request on a budget of its own.
  const build = (accountId: string) =>
    createHubspotConnector({
      baseUrl: connection.baseUrl,
      deps: {
        fetch: globalThis.fetch,
        tokens,
        clock: realClock,
        budget: createRateBudget({
          redis: env.redis,
          prefix: env.queuePrefix,
          account: { kind: 'hubspot', accountId },
          buckets: hubspotBudgetSpec(hubspotTier(connection)),
        }),
      },
    });
  const accountId = connection.accountId ?? (await build(`connection-${connection.id}`).account()).accountId;
  return build(accountId);
});

registerConnectorBuilder('salesforce', async (connection, env) => {
  const tokens = createTokenStore(env.connections, connection.id);
  if (!connection.baseUrl) {
    throw new Error(`Connection "${connection.name}" has no instance URL; add it again with --instance-url.`);
  }
  const instanceUrl = connection.baseUrl;
  // The budget is per org; a connection that has never synced learns its org id first.
  const build = (accountId: string) =>
    createSalesforceConnector({
      instanceUrl,
      loginUrl: connection.loginUrl,
      apiVersion: connection.apiVersion,
      deps: {
        fetch: globalThis.fetch,
        tokens,
        clock: realClock,
        budget: createRateBudget({
          redis: env.redis,
          prefix: env.queuePrefix,
          account: { kind: 'salesforce', accountId },
          buckets: SALESFORCE_BUDGET_SPEC,
        }),
      },
    });
  const accountId = connection.accountId ?? (await build(`connection-${connection.id}`).account()).accountId;
  return build(accountId);
});
