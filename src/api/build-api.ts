import { createHash } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Connection, ConnectionStore } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { RunOptions } from '../warehouse/sync-runs.js';
import type { ConfigEntity } from '../warehouse/tables-people.js';
import type { ApiCaller, Authenticate, ScopeOf } from './api-caller.js';
import { ownerScope } from './owner-scope.js';
import { ApiProblem, problemFor } from './problem.js';
import { allows, type Right } from './rights.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The right a route needs; a route without one is public (/openapi.json, /docs, /healthz). */
    right?: Right;
  }
  interface FastifyRequest {
    caller: ApiCaller | null;
  }
}

/** What a config change records in the audit log (DESIGN §13): who, what, before → after. */
export interface ConfigChange {
  readonly actor: ApiCaller;
  /** As src/people's config_audit names them. */
  readonly entity: ConfigEntity;
  readonly action: string;
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Everything the API needs, handed down by src/app (the API never loads the queue or workers). */
export interface ApiDeps {
  readonly db: Db;
  readonly connections: ConnectionStore;
  readonly redis: Redis;
  readonly logger: Logger;
  readonly authenticate: Authenticate;
  /** The rows a caller may see; default: `ownerScope` (DESIGN §13 from the warehouse's owners and teams). */
  readonly scopeOf?: ScopeOf;
  /** Registers (or joins) a run through the same function `salesops sync` uses. */
  readonly requestSync: (
    connection: Connection,
    options: RunOptions,
  ) => Promise<{ readonly runId: number; readonly joined: boolean }>;
  /** Brings the BullMQ job schedulers in line with the schedules table. */
  readonly reconcileSchedules: () => Promise<void>;
  readonly recordChange: (change: ConfigChange) => Promise<void>;
  /** Logs a read of payouts (DESIGN §13: every read of a payout is logged). */
  readonly recordPayoutRead?: (
    caller: ApiCaller,
    connection: Connection,
    periodKey: string,
    ownerIds: readonly string[],
  ) => Promise<void>;
  readonly rateLimit?: {
    readonly points: number;
    readonly durationSeconds: number;
    readonly keyPrefix: string;
  };
  readonly now?: () => Date;
  /** Routes mounted beside the API (e.g. /metrics and /healthz); public unless they set `config.right`. */
  readonly mount?: readonly MountRoutes[];
}

export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
export type MountRoutes = (app: FastifyInstance) => void | Promise<void>;
export type RegisterRoutes = (app: Api, deps: ResolvedDeps) => void;
export type ResolvedDeps = ApiDeps & { readonly now: () => Date; readonly scopeOf: ScopeOf };

/** Bodies other than imports are small JSON. */
export const SMALL_BODY_BYTES = 64 * 1024;
export const IMPORT_BODY_BYTES = 10 * 1024 * 1024;

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/;

export function callerOf(request: FastifyRequest): ApiCaller {
  if (!request.caller) throw new ApiProblem(401, 'Send a valid token as `Authorization: Bearer <token>`.');
  return request.caller;
}

/**
 * The HTTP API (DESIGN §13) as a Fastify instance, not listening: `salesops serve` listens,
 * tests call `inject`. Every route declares the right it needs; authentication, the per-token
 * rate limit and the one error mapping are hooks here, so no route repeats them.
 */
export async function buildApi(deps: ApiDeps, routes: readonly RegisterRoutes[]): Promise<FastifyInstance> {
  const resolved: ResolvedDeps = {
    ...deps,
    now: deps.now ?? (() => new Date()),
    scopeOf: deps.scopeOf ?? ownerScope(deps.db),
  };
  const app = Fastify({ logger: false, bodyLimit: SMALL_BODY_BYTES, trustProxy: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('caller', null);

  // Imports and rules travel as the files the CLI reads: CSV and YAML bodies arrive as text.
  app.addContentTypeParser(
    ['text/csv', 'application/yaml', 'text/yaml'],
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  );

  app.setErrorHandler((error, request, reply) => {
    const { problem, unexpected } = problemFor(error);
    if (unexpected) deps.logger.error({ err: error, url: request.url }, 'unexpected API error');
    if (error instanceof ApiProblem && error.retryAfter !== undefined) {
      void reply.header('retry-after', String(error.retryAfter));
    }
    return reply.code(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(
        problemFor(
          new ApiProblem(
            404,
            `Nothing is at ${request.method} ${request.url.split('?')[0]}; see /docs for the endpoints.`,
          ),
        ).problem,
      ),
  );

  const limiter = deps.rateLimit
    ? new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: deps.rateLimit.keyPrefix,
        points: deps.rateLimit.points,
        duration: deps.rateLimit.durationSeconds,
      })
    : null;

  app.addHook('onRequest', async (request) => {
    const right = request.routeOptions.config.right;
    if (right === undefined) return;
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw new ApiProblem(401, 'Send a valid token as `Authorization: Bearer <token>`.');
    const token = match[1] as string;
    if (limiter) {
      // Keyed by the token's hash: a flood of wrong tokens is limited too, and no token is stored.
      const key = createHash('sha256').update(token).digest('hex').slice(0, 32);
      try {
        await limiter.consume(key);
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) throw rejected;
        const seconds = Math.max(1, Math.ceil(rejected.msBeforeNext / 1000));
        throw new ApiProblem(
          429,
          `Too many requests with this token; wait ${seconds} s and try again.`,
          undefined,
          seconds,
        );
      }
    }
    const caller = await deps.authenticate(token);
    if (!caller) {
      throw new ApiProblem(
        401,
        'The token is unknown, expired or its person was removed; ask an admin for a new one.',
      );
    }
    request.caller = caller;
    if (!allows(caller.role, right)) {
      throw new ApiProblem(403, `The role ${caller.role} may not do this; ask an admin if you need it.`);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'salesops-sync API',
        version: '1',
        description:
          'Every JSON response is the document the `salesops` command prints with --json (DESIGN §7), filtered to what the caller may see.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // swagger-ui's assets ship inside the package: /docs works with no network.
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const typed = app.withTypeProvider<ZodTypeProvider>();
  for (const register of routes) register(typed, resolved);
  for (const mount of deps.mount ?? []) await mount(app);
  await app.ready();
  return app;
}
