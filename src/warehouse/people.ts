import { sql } from 'kysely';
import type { Db } from '../db.js';
import type { Role } from './tables-people.js';

/** `people`: who may use the API and with which role. Rows are soft-deleted (`removed_at`). */
export interface PersonRow {
  readonly id: number;
  readonly email: string;
  readonly role: Role;
  readonly teams: readonly string[];
  readonly tokenHash: string;
  readonly tokenExpiresAt: Date;
  readonly createdAt: Date;
  readonly removedAt: Date | null;
}

const columns = [
  'id',
  'email',
  'role',
  'teams',
  'token_hash',
  'token_expires_at',
  'created_at',
  'removed_at',
] as const;

type Raw = {
  id: number;
  email: string;
  role: Role;
  teams: string[];
  token_hash: string;
  token_expires_at: Date;
  created_at: Date;
  removed_at: Date | null;
};

const toRow = (r: Raw): PersonRow => ({
  id: r.id,
  email: r.email,
  role: r.role,
  teams: r.teams,
  tokenHash: r.token_hash,
  tokenExpiresAt: r.token_expires_at,
  createdAt: r.created_at,
  removedAt: r.removed_at,
});

export interface NewPersonRow {
  readonly email: string;
  readonly role: Role;
  readonly teams: readonly string[];
  readonly tokenHash: string;
  readonly tokenExpiresAt: Date;
  readonly createdAt: Date;
}

/** Null when a person with this email (not removed) already exists. */
export async function insertPerson(db: Db, p: NewPersonRow): Promise<PersonRow | null> {
  const row = await db
    .insertInto('people')
    .values({
      email: p.email,
      role: p.role,
      teams: [...p.teams],
      token_hash: p.tokenHash,
      token_expires_at: p.tokenExpiresAt,
      created_at: p.createdAt,
    })
    .onConflict((oc) => oc.column('email').where('removed_at', 'is', null).doNothing())
    .returning(columns)
    .executeTakeFirst();
  return row ? toRow(row) : null;
}

/** The person (not removed) with this email, or null. */
export async function findPersonByEmail(db: Db, email: string): Promise<PersonRow | null> {
  const row = await db
    .selectFrom('people')
    .select(columns)
    .where('email', '=', email)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return row ? toRow(row) : null;
}

/**
 * The row holding this token hash, removed or not: the caller compares the hashes itself in
 * constant time and decides on expiry and removal.
 */
export async function findPersonByTokenHash(db: Db, tokenHash: string): Promise<PersonRow | null> {
  const row = await db
    .selectFrom('people')
    .select(columns)
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row ? toRow(row) : null;
}

/** Replaces the token of a person not removed; null when there is none with this email. */
export async function replaceToken(
  db: Db,
  email: string,
  tokenHash: string,
  expiresAt: Date,
): Promise<PersonRow | null> {
  const row = await db
    .updateTable('people')
    .set({ token_hash: tokenHash, token_expires_at: expiresAt })
    .where('email', '=', email)
    .where('removed_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
  return row ? toRow(row) : null;
}

/** Marks the person removed at `at`; null when there is none (not removed) with this email. */
export async function markPersonRemoved(db: Db, email: string, at: Date): Promise<PersonRow | null> {
  const row = await db
    .updateTable('people')
    .set({ removed_at: at })
    .where('email', '=', email)
    .where('removed_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
  return row ? toRow(row) : null;
}

/** People not removed, by email. */
export async function selectPeople(db: Db): Promise<PersonRow[]> {
  const rows = await db
    .selectFrom('people')
    .select(columns)
    .where('removed_at', 'is', null)
    .orderBy(sql`email`)
    .execute();
  return rows.map(toRow);
}

/** A CRM owner as the role scope needs it: who (by email) is on which teams. */
export interface DirectoryOwner {
  readonly connectionId: number;
  readonly ownerId: string;
  readonly email: string | null;
  readonly teams: readonly { readonly id: string; readonly name: string | null }[];
}

/**
 * Every owner of the connections not removed, with their current teams (ids and names), for
 * `scopeFor`. Reads `owners`, `owner_teams`, `teams`; writes nothing.
 */
export async function ownerDirectory(db: Db): Promise<DirectoryOwner[]> {
  const rows = await sql<{
    connection_id: number;
    owner_id: string;
    email: string | null;
    team_id: string | null;
    team_name: string | null;
  }>`
    select o.connection_id, o.external_id as owner_id, lower(btrim(o.email)) as email,
           ot.team_id, t.name as team_name
    from owners o
    join connections c on c.id = o.connection_id and c.removed_at is null
    left join owner_teams ot on ot.connection_id = o.connection_id and ot.owner_id = o.external_id
    left join teams t on t.connection_id = ot.connection_id and t.external_id = ot.team_id
    where not o.is_deleted
    order by o.connection_id, o.external_id, ot.team_id`.execute(db);
  const byOwner = new Map<
    string,
    {
      connectionId: number;
      ownerId: string;
      email: string | null;
      teams: { id: string; name: string | null }[];
    }
  >();
  for (const r of rows.rows) {
    const key = `${r.connection_id}\u0000${r.owner_id}`;
    let owner = byOwner.get(key);
    if (!owner) {
      owner = { connectionId: r.connection_id, ownerId: r.owner_id, email: r.email, teams: [] };
      byOwner.set(key, owner);
    }
    if (r.team_id !== null) owner.teams.push({ id: r.team_id, name: r.team_name });
  }
  return [...byOwner.values()];
}
