import type { TokenStore } from '../../connectors/connector.js';
import type { ConnectionStore, Credentials } from './connection-store.js';

/**
 * The connectors' view of stored credentials: read them, and save refreshed tokens, encrypted
 * like every credential. Values are strings; the connector decides which keys it uses.
 */
export function createTokenStore(store: ConnectionStore, connectionId: number): TokenStore {
  return {
    async load() {
      return Object.fromEntries(
        Object.entries(await store.credentials(connectionId)).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      );
    },
    async save(update) {
      const current = await store.credentials(connectionId);
      await store.saveCredentials(connectionId, { ...current, ...update } as Credentials);
    },
  };
}
