import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../../../connectors/connector.js';
import { createRateBudget, SALESFORCE_BUDGET_SPEC } from '../../../connectors/rate-budget.js';
import {
  createSalesforceConnector,
  type SalesforceConnectorOptions,
} from '../../../connectors/salesforce/index.js';
import {
  type SalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../../sandboxes/salesforce/index.js';
import { createConnectorFactory } from '../../../src/app/connector-factory.js';
import type { SyncEnv } from '../../../src/app/run-sync.js';
import type {
  Connection,
  ConnectionStore,
  SalesforceCredentials,
} from '../../../src/connections/connection-store.js';
import { createTokenStore } from '../../../src/connections/token-store.js';
import type { Db } from '../../../src/db.js';
import type { Logger } from '../../../src/logger.js';
import { createEngineHarness } from '../../support/engine-harness.js';
import type { TestDatabase } from '../../support/test-db.js';
import { TEST_JWT } from './jwt-certificate.js';

export { REDIS_URL } from '../../support/engine-harness.js';
export const ORG_NOW = new Date('2026-03-15T12:00:00Z');

export const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Backoff without waiting: retries are counted, not slept through. */
export const instantClock: Clock = { now: () => new Date(), sleep: async () => {} };

export interface SalesforceHarness {
  readonly sandbox: SalesforceSandbox;
  readonly database: TestDatabase;
  readonly db: Db;
  readonly prefix: string;
  readonly redis: Redis;
  readonly queue: Queue;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  /** The key credentials are sealed with, for worker processes sharing the database. */
  readonly secretKey: Buffer;
  addConnection(name: string, method?: SalesforceCredentials['method']): Promise<Connection>;
  /** The production connector factory. */
  factoryEnv(): SyncEnv;
  /** A connector with extra options (a wrapped fetch, a smaller batch size...). */
  customEnv(extra?: Partial<Omit<SalesforceConnectorOptions, 'deps'>> & { fetch?: typeof fetch }): SyncEnv;
  close(): Promise<void>;
}

/** The key of the connected app's certificate, which every harness sandbox registers. */
export const TEST_PRIVATE_KEY = TEST_JWT.privateKey;

export async function createSalesforceHarness(
  label: string,
  sandboxOptions: SalesforceSandboxOptions,
): Promise<SalesforceHarness> {
  const sandbox = await startSalesforceSandbox({
    now: ORG_NOW,
    jwtCertificate: TEST_JWT.certificate,
    ...sandboxOptions,
  });
  const engine = await createEngineHarness(label);
  const { database, prefix, redis, queue, connections, logger, env, secretKey } = engine;
  const credentials = (method: SalesforceCredentials['method']): SalesforceCredentials => {
    if (method === 'access_token') return { method, accessToken: sandbox.accessToken };
    if (method === 'client_credentials')
      return { method, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret };
    return {
      method,
      clientId: sandbox.clientId,
      username: 'integration@example.com',
      privateKey: TEST_PRIVATE_KEY,
    };
  };
  return {
    sandbox,
    database,
    db: database.db,
    prefix,
    redis,
    queue,
    connections,
    logger,
    secretKey,
    addConnection: (name, method = 'access_token') =>
      connections.add({
        name,
        kind: 'salesforce',
        baseUrl: sandbox.instanceUrl,
        loginUrl: sandbox.loginUrl,
        apiVersion: '62.0',
        credentials: credentials(method),
      }),
    factoryEnv: () => env(createConnectorFactory({ redis, queuePrefix: prefix, connections, logger })),
    customEnv: (extra = {}) =>
      env(async (connection) => {
        const { fetch: wrapped, ...rest } = extra;
        return createSalesforceConnector({
          instanceUrl: connection.baseUrl ?? sandbox.instanceUrl,
          loginUrl: connection.loginUrl,
          apiVersion: connection.apiVersion,
          ...rest,
          deps: {
            fetch: wrapped ?? globalThis.fetch,
            clock: instantClock,
            tokens: createTokenStore(connections, connection.id),
            budget: createRateBudget({
              redis,
              prefix,
              account: { kind: 'salesforce', accountId: sandbox.data.orgId },
              buckets: { default: { limit: 100_000, windowMs: 1000 } },
            }),
          },
        });
      }),
    async close() {
      await engine.close();
      await sandbox.close();
    },
  };
}

export { SALESFORCE_BUDGET_SPEC };
