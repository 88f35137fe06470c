import type { Authenticate, ScopeOf } from '../api/api-caller.js';
import type { ConfigChange } from '../api/build-api.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';

/**
 * Where the API meets people, tokens, roles and the config audit log (src/people, issue 21's
 * other half). Until that module is merged this fails closed: no token authenticates, so every
 * protected request is 401, and the serve command says so once at start.
 */
export interface ApiPeople {
  readonly authenticate: Authenticate;
  readonly scopeOf?: ScopeOf;
  readonly recordChange: (change: ConfigChange) => Promise<void>;
}

export function apiPeople(_db: Db, logger: Logger): ApiPeople {
  logger.warn(
    'people and tokens are not built into this program yet: every API request needing a token is refused with 401',
  );
  return {
    authenticate: async () => null,
    recordChange: async () => {
      throw new Error('The config audit log is not built into this program yet.');
    },
  };
}
