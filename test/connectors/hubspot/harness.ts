import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../../../connectors/connector.js';
import { createHubspotConnector } from '../../../connectors/hubspot/index.js';
import { type BudgetBuckets, createRateBudget } from '../../../connectors/rate-budget.js';
import {
  type HubspotSandbox,
  type HubspotSandboxOptions,
  startHubspotSandbox,
} from '../../../sandboxes/hubspot/index.js';
import { createConnectorFactory } from '../../../src/app/connector-factory.js';
import type { SyncEnv } from '../../../src/app/run-sync.js';
import type { Connection, ConnectionStore } from '../../../src/connections/connection-store.js';
import { createTokenStore } from '../../../src/connections/token-store.js';
import type { Logger } from '../../../src/logger.js';
import { createEngineHarness } from '../../support/engine-harness.js';
import type { TestDatabase } from '../../support/test-db.js';

export { REDIS_URL } from '../../support/engine-harness.js';

export const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Large enough never to wait: for suites that check data, not limits. */
export const UNLIMITED: BudgetBuckets = {
  default: { limit: 100_000, windowMs: 10_000 },
  search: { limit: 1_000, windowMs: 1_000 },
};

export interface HubspotHarness {
  readonly sandbox: HubspotSandbox;
  readonly database: TestDatabase;
  readonly prefix: string;
  readonly redis: Redis;
  readonly queue: Queue;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  /** SALESOPS_SECRET_KEY (base64) of the connection store, for worker processes. */
  readonly secretKey: string;
  /** A connection to the sandbox with its private-app token (or OAuth when asked). */
  addConnection(name: string, options?: { tier?: string; oauth?: boolean }): Promise<Connection>;
  /** The production connector factory (budget from the tier, per portal). */
  factoryEnv(): SyncEnv;
  /** A connector with the given budget, for suites that do not test limits. */
  customEnv(buckets: BudgetBuckets): SyncEnv;
  close(): Promise<void>;
}

export async function createHubspotHarness(
  label: string,
  sandboxOptions: HubspotSandboxOptions,
): Promise<HubspotHarness> {
  const sandbox = await startHubspotSandbox(sandboxOptions);
  const engine = await createEngineHarness(label);
  const { database, prefix, redis, queue, connections, logger, env } = engine;
  return {
    sandbox,
    database,
    prefix,
    redis,
    queue,
    connections,
    logger,
    secretKey: engine.secretKey.toString('base64'),
    addConnection: (name, options = {}) =>
      connections.add({
        name,
        kind: 'hubspot',
        baseUrl: sandbox.baseUrl,
        tier: options.tier ?? 'enterprise',
        credentials: options.oauth
          ? { method: 'oauth', ...sandbox.oauth }
          : { method: 'private_app', accessToken: sandbox.accessToken },
      }),
    factoryEnv: () => env(createConnectorFactory({ redis, queuePrefix: prefix, connections, logger })),
    customEnv: (buckets) =>
      env(async (connection) =>
        createHubspotConnector({
          baseUrl: connection.baseUrl,
          deps: {
            fetch: globalThis.fetch,
            clock: realClock,
            tokens: createTokenStore(connections, connection.id),
            budget: createRateBudget({
              redis,
              prefix,
              account: { kind: 'hubspot', accountId: String(sandbox.data.account.portalId) },
              buckets,
            }),
          },
        }),
      ),
    async close() {
      await engine.close();
      await sandbox.close();
    },
  };
}
