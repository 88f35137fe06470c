import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CrmConnector } from '../../connectors/connector.js';
import type { ConnectorHooks } from '../../workers/progress.js';
import type { Connection, ConnectionStore } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';

/**
 * What the commands that drive the engine get: the warehouse, Redis, the queue and the connector
 * factory. The top of the house (src/app/engine-env.ts) wires them and hands them down through
 * the context, so no command imports the queue or a connector's wiring. Closed with the command.
 */
export interface EngineEnv {
  readonly db: Db;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly redis: Redis;
  readonly queue: Queue;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  /** `hooks` lets a stage job hear its connector's rate waits (the progress of `sync`). */
  readonly connectorFor: (connection: Connection, hooks?: ConnectorHooks) => Promise<CrmConnector>;
}

/** Takes the command's context (a CliContext); typed by what it uses, so the two files need no loop. */
export function openEngine(ctx: { engine(): Promise<EngineEnv> }): Promise<EngineEnv> {
  return ctx.engine();
}
