import type { Redis } from 'ioredis';
import type { CrmConnector } from '../connectors/connector.js';
import type { Connection, ConnectionStore } from '../src/connections/connection-store.js';
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
