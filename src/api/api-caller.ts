import type { Connection } from '../connections/connection-store.js';

/** The roles of DESIGN §13, from most to least trusted. */
export const ROLES = ['admin', 'ops', 'manager', 'rep'] as const;
export type Role = (typeof ROLES)[number];

/** The person behind a bearer token, as src/people resolves it. */
export interface ApiCaller {
  readonly id: number | string;
  readonly email: string;
  readonly role: Role;
  /** The teams a manager manages (empty for other roles). */
  readonly teams: readonly string[];
}

/** Resolves a bearer token to its person; null when the token is unknown, expired or its person removed. */
export type Authenticate = (token: string) => Promise<ApiCaller | null>;

/**
 * The rows a caller may see in one connection: everything, or the owners with these emails
 * (a rep: their own; a manager: the reps of their teams), and the teams named.
 */
export type Scope =
  | { readonly all: true }
  | { readonly all: false; readonly ownerEmails: ReadonlySet<string>; readonly teams: ReadonlySet<string> };

export type ScopeOf = (caller: ApiCaller, connection: Connection) => Promise<Scope>;

export const EVERYTHING: Scope = { all: true };
