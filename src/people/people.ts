import { z } from 'zod';
import type { Db } from '../db.js';
import { InvalidInputError } from '../domain-error.js';
import {
  findPersonByEmail,
  findPersonByTokenHash,
  insertPerson,
  markPersonRemoved,
  type PersonRow,
  replaceToken,
  selectPeople,
} from '../warehouse/people.js';
import type { Role } from '../warehouse/tables-people.js';
import { type Actor, recordConfigChange } from './actor.js';
import { hashesEqual, hashToken, looksLikeToken, newToken } from './person-token.js';

export type { Role } from '../warehouse/tables-people.js';
export const ROLES = ['admin', 'ops', 'manager', 'rep'] as const satisfies readonly Role[];
export const DEFAULT_TOKEN_DAYS = 90;
const DAY_MS = 86_400_000;

/** A person as every surface shows them: never the token nor its hash. */
export interface Person {
  readonly id: number;
  readonly email: string;
  readonly role: Role;
  readonly teams: readonly string[];
  readonly tokenExpiresAt: Date;
  readonly createdAt: Date;
}

const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'an email address such as ana@example.com' }));

export const newPersonSchema = z.object({
  email: emailSchema,
  role: z.enum(ROLES, { error: 'one of admin, ops, manager, rep' }),
  teams: z.array(z.string().trim().min(1, { error: 'a team name or id' })).default([]),
  expiresDays: z
    .number({ error: 'a whole number of days' })
    .int({ error: 'a whole number of days' })
    .min(1, { error: 'at least 1 day' })
    .max(3650, { error: 'at most 3650 days' })
    .default(DEFAULT_TOKEN_DAYS),
});
export type NewPerson = z.input<typeof newPersonSchema>;

export interface Clocked {
  readonly actor: Actor;
  readonly now: Date;
}

const publicPerson = (r: PersonRow): Person => ({
  id: r.id,
  email: r.email,
  role: r.role,
  teams: r.teams,
  tokenExpiresAt: r.tokenExpiresAt,
  createdAt: r.createdAt,
});

/** What the audit log keeps of a person: who and what they may do, never the token. */
const audited = (p: Person) => ({
  email: p.email,
  role: p.role,
  teams: p.teams,
  tokenExpiresAt: p.tokenExpiresAt.toISOString(),
});

function parseEmail(email: string): string {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success)
    throw new InvalidInputError(`"${email}" is not an email address; give one such as ana@example.com.`);
  return parsed.data;
}

function parseNewPerson(input: NewPerson): z.output<typeof newPersonSchema> {
  const parsed = newPersonSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? 'input');
  const label = field === 'expiresDays' ? '--expires-days' : field === 'teams' ? '--team' : `--${field}`;
  throw new InvalidInputError(`${label} expects ${issue?.message ?? 'a valid value'}.`);
}

const notFound = (email: string) =>
  new InvalidInputError(`No person "${email}"; \`salesops users list\` shows who there is.`);

/** Adds a person; the token is returned once and only its hash is kept. */
export async function createPerson(
  db: Db,
  input: NewPerson,
  { actor, now }: Clocked,
): Promise<{ person: Person; token: string }> {
  const p = parseNewPerson(input);
  if (p.role !== 'manager' && p.teams.length > 0)
    throw new InvalidInputError(`--team names the teams a manager manages; ${p.email} would be ${p.role}.`);
  const token = newToken();
  return db.transaction().execute(async (trx) => {
    const row = await insertPerson(trx, {
      email: p.email,
      role: p.role,
      teams: [...new Set(p.teams)],
      tokenHash: hashToken(token),
      tokenExpiresAt: new Date(now.getTime() + p.expiresDays * DAY_MS),
      createdAt: now,
    });
    if (!row)
      throw new InvalidInputError(
        `${p.email} is already a person; \`salesops users rotate ${p.email}\` gives them a new token.`,
      );
    const person = publicPerson(row);
    await recordConfigChange(trx, {
      actor,
      entity: 'person',
      key: person.email,
      action: 'add',
      before: null,
      after: audited(person),
      at: now,
    });
    return { person, token };
  });
}

/** A new token for the person (the old one stops working at once), valid `expiresDays` from now. */
export async function rotateToken(
  db: Db,
  email: string,
  { actor, now, expiresDays = DEFAULT_TOKEN_DAYS }: Clocked & { readonly expiresDays?: number },
): Promise<{ person: Person; token: string }> {
  const address = parseEmail(email);
  if (!Number.isInteger(expiresDays) || expiresDays < 1 || expiresDays > 3650)
    throw new InvalidInputError('--expires-days expects a whole number of days from 1 to 3650.');
  const token = newToken();
  return db.transaction().execute(async (trx) => {
    const before = await findPersonByEmail(trx, address);
    const row = await replaceToken(
      trx,
      address,
      hashToken(token),
      new Date(now.getTime() + expiresDays * DAY_MS),
    );
    if (!before || !row) throw notFound(address);
    const person = publicPerson(row);
    await recordConfigChange(trx, {
      actor,
      entity: 'person',
      key: address,
      action: 'rotate',
      before: audited(publicPerson(before)),
      after: audited(person),
      at: now,
    });
    return { person, token };
  });
}

/** Removes the person: their token stops working at once. */
export async function removePerson(db: Db, email: string, { actor, now }: Clocked): Promise<Person> {
  const address = parseEmail(email);
  return db.transaction().execute(async (trx) => {
    const row = await markPersonRemoved(trx, address, now);
    if (!row) throw notFound(address);
    const person = publicPerson(row);
    await recordConfigChange(trx, {
      actor,
      entity: 'person',
      key: address,
      action: 'remove',
      before: audited(person),
      after: null,
      at: now,
    });
    return person;
  });
}

/** People not removed, by email. */
export async function listPeople(db: Db): Promise<Person[]> {
  return (await selectPeople(db)).map(publicPerson);
}

/**
 * The person a bearer token belongs to, or null: malformed, unknown, expired (at `now`) or of a
 * removed person. The stored hash is compared with `timingSafeEqual` after the indexed lookup,
 * so a match is never decided by a short-circuiting string comparison.
 */
export async function authenticate(db: Db, token: string, now: Date): Promise<Person | null> {
  if (!looksLikeToken(token)) return null;
  const hash = hashToken(token);
  const row = await findPersonByTokenHash(db, hash);
  if (!row || !hashesEqual(row.tokenHash, hash)) return null;
  if (row.removedAt !== null) return null;
  if (row.tokenExpiresAt.getTime() <= now.getTime()) return null;
  return publicPerson(row);
}
