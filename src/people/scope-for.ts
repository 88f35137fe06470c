import type { DirectoryOwner } from '../warehouse/people.js';
import type { Role } from '../warehouse/tables-people.js';

export type { DirectoryOwner } from '../warehouse/people.js';

/** A CRM owner in one connection. */
export interface OwnerRef {
  readonly connectionId: number;
  readonly ownerId: string;
}

/**
 * What rows a person may see (DESIGN §13). `rows: 'all'` or the listed owners' rows; payouts
 * (statements, payout reports) follow `payouts`: every one, none, or the listed owners' only.
 */
export type Scope =
  | { readonly rows: 'all'; readonly payouts: 'all' | 'none' }
  | { readonly rows: 'owners'; readonly owners: readonly OwnerRef[]; readonly payouts: 'owners' };

export interface ScopedPerson {
  readonly email: string;
  readonly role: Role;
  readonly teams: readonly string[];
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * admin: everything; ops: everything but payouts; manager: their own owners and the reps of the
 * teams they manage (a team named by its CRM id or name, in any connection), payouts included;
 * rep: only the owners with their email, in every connection. Pure: the directory is read by the
 * caller (`ownerDirectory`).
 */
export function scopeFor(person: ScopedPerson, directory: readonly DirectoryOwner[]): Scope {
  if (person.role === 'admin') return { rows: 'all', payouts: 'all' };
  if (person.role === 'ops') return { rows: 'all', payouts: 'none' };
  const own = (o: DirectoryOwner) => o.email !== null && same(o.email, person.email);
  const managed = (o: DirectoryOwner) =>
    person.role === 'manager' &&
    o.teams.some((t) =>
      person.teams.some((name) => same(name, t.id) || (t.name !== null && same(name, t.name))),
    );
  const owners = directory
    .filter((o) => own(o) || managed(o))
    .map((o) => ({ connectionId: o.connectionId, ownerId: o.ownerId }));
  return { rows: 'owners', owners, payouts: 'owners' };
}

export function canSeeRow(scope: Scope, owner: OwnerRef): boolean {
  if (scope.rows === 'all') return true;
  return scope.owners.some((o) => o.connectionId === owner.connectionId && o.ownerId === owner.ownerId);
}

export function canSeePayout(scope: Scope, owner: OwnerRef): boolean {
  if (scope.rows === 'all') return scope.payouts === 'all';
  return canSeeRow(scope, owner);
}
