import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ApiCaller, Authenticate, ScopeOf } from '../../src/api/api-caller.js';
import { API_ROUTES } from '../../src/api/api-routes.js';
import { type ApiDeps, buildApi } from '../../src/api/build-api.js';
import { apiPeople } from '../../src/app/api-people.js';
import { requestSync } from '../../src/app/run-sync.js';
import { createConnectionStore } from '../../src/connections/connection-store.js';
import { createLogger } from '../../src/logger.js';
import { cliActor } from '../../src/people/actor.js';
import { createPerson } from '../../src/people/people.js';
import { createRedis } from '../../src/redis.js';
import { reconcileSchedules } from '../../src/schedule/reconcile-schedules.js';
import { createSyncQueue } from '../../workers/queues.js';
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from '../support/test-db.js';

/** One API over a suite's own database, Redis prefix and queue; `env` runs the CLI on the same database. */
export interface ApiHarness {
  readonly t: TestDatabase;
  readonly app: FastifyInstance;
  readonly env: NodeJS.ProcessEnv;
  readonly prefix: string;
  /** Adds a person through src/people and returns their token. */
  person(email: string, role: ApiCaller['role'], teams?: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startApi(
  label: string,
  options: {
    /** Default: src/people's tokens (add people with `person`). */
    readonly authenticate?: (t: TestDatabase) => Authenticate;
    readonly scopeOf?: (t: TestDatabase) => ScopeOf;
    readonly seed?: (t: TestDatabase) => Promise<void>;
    readonly extra?: Partial<ApiDeps>;
  },
): Promise<ApiHarness> {
  const t = await createTestDatabase(label);
  const secret = randomBytes(32);
  const prefix = uniqueQueuePrefix(label);
  const env = {
    DATABASE_URL: t.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    SALESOPS_SECRET_KEY: secret.toString('base64'),
    SALESOPS_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  };
  await options.seed?.(t);
  const redis = createRedis(env.REDIS_URL, 'producer');
  const queue = createSyncQueue(redis, prefix);
  const people = apiPeople(t.db);
  const app = await buildApi(
    {
      db: t.db,
      connections: createConnectionStore(t.db, { current: secret, previous: [] }),
      redis,
      logger: createLogger({ level: 'silent' }),
      ...people,
      ...(options.authenticate && { authenticate: options.authenticate(t) }),
      ...(options.scopeOf && { scopeOf: options.scopeOf(t) }),
      requestSync: (connection, runOptions) =>
        requestSync({ db: t.db, queue }, connection, runOptions, 'api'),
      reconcileSchedules: async () => {
        await reconcileSchedules(t.db, queue);
      },
      rateLimit: { points: 1000, durationSeconds: 60, keyPrefix: `${prefix}:api-rate` },
      ...options.extra,
    },
    API_ROUTES,
  );
  return {
    t,
    app,
    env,
    prefix,
    async person(email, role, teams = []) {
      const { token } = await createPerson(
        t.db,
        { email, role, teams: [...teams] },
        { actor: cliActor('test'), now: new Date() },
      );
      return token;
    },
    async close() {
      await app.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      redis.disconnect();
      await t.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export type { ApiCaller };
