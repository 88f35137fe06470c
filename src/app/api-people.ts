import type { ApiCaller, Authenticate } from '../api/api-caller.js';
import type { ApiDeps, ConfigChange } from '../api/build-api.js';
import type { Db } from '../db.js';
import { personActor, recordConfigChange } from '../people/actor.js';
import { authenticate } from '../people/people.js';
import { insertPayoutReads } from '../warehouse/payout-reads.js';

/**
 * Where the API meets src/people: bearer tokens resolve to people (a removed person's or an
 * expired token to nobody, at once), changes become config_audit rows with the person as actor,
 * and every statement read is a payout_reads row.
 */
export function apiPeople(
  db: Db,
  now: () => Date = () => new Date(),
): Pick<ApiDeps, 'authenticate' | 'recordChange' | 'recordPayoutRead'> {
  const resolve: Authenticate = async (token) => {
    const person = await authenticate(db, token, now());
    return person && { id: person.id, email: person.email, role: person.role, teams: person.teams };
  };
  return {
    authenticate: resolve,
    recordChange: (change: ConfigChange) =>
      recordConfigChange(db, {
        actor: personActor(change.actor.email),
        entity: change.entity,
        key: change.key,
        action: change.action,
        before: change.before,
        after: change.after,
      }),
    recordPayoutRead: (caller: ApiCaller, connection, periodKey, ownerIds) =>
      insertPayoutReads(
        db,
        ownerIds.map((ownerId) => ({
          reader: caller.email,
          connectionId: connection.id,
          ownerId,
          periodKey,
        })),
      ),
  };
}
