import type { Db } from '../db.js';
import { scopeFor } from '../people/scope-for.js';
import { ownerDirectory } from '../warehouse/people.js';
import { type ApiCaller, EVERYTHING, type Scope, type ScopeOf } from './api-caller.js';

/**
 * DESIGN §13's scope, decided by src/people's `scopeFor` over the warehouse's owner directory,
 * turned into what the documents carry (owner emails, team names) for one connection: admin and
 * ops see every row (ops never reach a payout: the rights table forbids it); a rep the owners
 * with their email; a manager those and the reps of the teams they manage.
 */
export function ownerScope(db: Db): ScopeOf {
  return async (caller: ApiCaller, connection): Promise<Scope> => {
    if (caller.role === 'admin' || caller.role === 'ops') return EVERYTHING;
    const directory = (await ownerDirectory(db)).filter((o) => o.connectionId === connection.id);
    const scope = scopeFor(caller, directory);
    if (scope.rows === 'all') return EVERYTHING;
    const visible = new Set(scope.owners.map((o) => o.ownerId));
    const owners = directory.filter((o) => visible.has(o.ownerId));
    const managed = new Set(caller.teams.map((t) => t.trim().toLowerCase()));
    const teams = new Set(
      owners.flatMap((o) =>
        o.teams
          .filter(
            (t) => managed.has(t.id.toLowerCase()) || (t.name !== null && managed.has(t.name.toLowerCase())),
          )
          .flatMap((t) => (t.name === null ? [] : [t.name])),
      ),
    );
    return {
      all: false,
      ownerEmails: new Set(owners.flatMap((o) => (o.email === null ? [] : [o.email.toLowerCase()]))),
      teams,
    };
  };
}
