import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/db.js';
import { cliActor } from '../../src/people/actor.js';
import {
  authenticate,
  createPerson,
  listPeople,
  removePerson,
  rotateToken,
} from '../../src/people/people.js';
import { hashToken } from '../../src/people/person-token.js';
import { selectConfigAudit } from '../../src/warehouse/config-audit.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

// The real timingSafeEqual, watched: the test asserts authenticate decides through it.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const actor = cliActor('tester');
const DAY = 86_400_000;

describe('people and their tokens', () => {
  let t: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    t = await createTestDatabase('people');
    db = t.db;
  });
  afterAll(() => t.drop());

  const now = new Date('2026-12-01T10:00:00Z');

  it('a token made once authenticates its person; only its sha256 is stored', async () => {
    const { person, token } = await createPerson(
      db,
      { email: '  Ana@Example.COM ', role: 'rep' },
      { actor, now },
    );
    expect(token).toMatch(/^sos_[A-Za-z0-9_-]{43}$/);
    // 32 bytes are 256 bits; base64url without padding writes them in ceil(256 / 6) = 43 characters.
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    expect(person.email).toBe('ana@example.com');
    // 90 days after 2026-12-01T10:00Z is 2027-03-01T10:00Z (Dec 30 + Jan 31 + Feb 28 + 1 = 90).
    expect(person.tokenExpiresAt.toISOString()).toBe('2027-03-01T10:00:00.000Z');

    const stored = await db
      .selectFrom('people')
      .selectAll()
      .where('email', '=', 'ana@example.com')
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(crypto.createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token.slice(4));

    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect((await authenticate(db, token, now))?.email).toBe('ana@example.com');
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('refuses malformed, unknown and near-miss tokens', async () => {
    const { token } = await createPerson(db, { email: 'bo@example.com', role: 'ops' }, { actor, now });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(await authenticate(db, `${token.slice(0, -1)}${last}`, now)).toBeNull();
    expect(await authenticate(db, 'sos_short', now)).toBeNull();
    expect(await authenticate(db, '', now)).toBeNull();
    expect(await authenticate(db, `Bearer ${token}`, now)).toBeNull();
  });

  it('expires at the expiry instant by the injected clock', async () => {
    const { token } = await createPerson(
      db,
      { email: 'cy@example.com', role: 'manager', teams: ['West'], expiresDays: 2 },
      { actor, now },
    );
    const expiry = now.getTime() + 2 * DAY;
    expect(await authenticate(db, token, new Date(expiry - 1))).not.toBeNull();
    expect(await authenticate(db, token, new Date(expiry))).toBeNull();
  });

  it('rotating stops the old token at once and starts the new one', async () => {
    const { token: old } = await createPerson(db, { email: 'di@example.com', role: 'admin' }, { actor, now });
    const later = new Date(now.getTime() + 10 * DAY);
    const { token, person } = await rotateToken(db, 'DI@example.com', { actor, now: later });
    expect(token).not.toBe(old);
    expect(await authenticate(db, old, later)).toBeNull();
    expect((await authenticate(db, token, later))?.email).toBe('di@example.com');
    // 90 days from the rotation, not from the creation.
    expect(person.tokenExpiresAt.getTime()).toBe(later.getTime() + 90 * DAY);
  });

  it('a removed person is refused at once, and can be added again', async () => {
    const { token } = await createPerson(db, { email: 'ed@example.com', role: 'rep' }, { actor, now });
    await removePerson(db, 'ed@example.com', { actor, now });
    // Same instant as the removal: no grace period.
    expect(await authenticate(db, token, now)).toBeNull();
    expect((await listPeople(db)).map((p) => p.email)).not.toContain('ed@example.com');
    const again = await createPerson(db, { email: 'ed@example.com', role: 'rep' }, { actor, now });
    expect((await authenticate(db, again.token, now))?.email).toBe('ed@example.com');
    expect(await authenticate(db, token, now)).toBeNull();
  });

  it('refuses a duplicate, a bad email, a bad role and a team on a non-manager with one sentence', async () => {
    await expect(createPerson(db, { email: 'ana@example.com', role: 'rep' }, { actor, now })).rejects.toThrow(
      'ana@example.com is already a person; `salesops users rotate ana@example.com` gives them a new token.',
    );
    await expect(createPerson(db, { email: 'nobody', role: 'rep' }, { actor, now })).rejects.toThrow(
      /--email expects/,
    );
    await expect(
      createPerson(db, { email: 'x@example.com', role: 'boss' as 'rep' }, { actor, now }),
    ).rejects.toThrow('--role expects one of admin, ops, manager, rep.');
    await expect(
      createPerson(db, { email: 'x@example.com', role: 'rep', teams: ['West'] }, { actor, now }),
    ).rejects.toThrow(/a manager manages/);
    await expect(rotateToken(db, 'ghost@example.com', { actor, now })).rejects.toThrow(
      /No person "ghost@example.com"/,
    );
  });

  it('lists people without any token or hash, and logs every change with before → after', async () => {
    const people = await listPeople(db);
    expect(people.map((p) => p.email)).toEqual([
      'ana@example.com',
      'bo@example.com',
      'cy@example.com',
      'di@example.com',
      'ed@example.com',
    ]);
    expect(JSON.stringify(people)).not.toMatch(/sos_|token_hash|tokenHash/);

    const log = await selectConfigAudit(db, { entity: 'person', limit: 100 });
    // Adds: ana, bo, cy, di, ed, ed again = 6; one rotate (di); one remove (ed).
    expect(log.filter((r) => r.action === 'add')).toHaveLength(6);
    const rotate = log.find((r) => r.action === 'rotate');
    expect(rotate).toMatchObject({
      actor: 'cli:tester',
      key: 'di@example.com',
      before: { role: 'admin', tokenExpiresAt: '2027-03-01T10:00:00.000Z' },
      // 2026-12-11T10:00Z + 90 days = 2027-03-11T10:00Z.
      after: { role: 'admin', tokenExpiresAt: '2027-03-11T10:00:00.000Z' },
    });
    expect(log.find((r) => r.action === 'remove')).toMatchObject({
      key: 'ed@example.com',
      before: { email: 'ed@example.com', role: 'rep' },
      after: null,
    });
    const hashes = (await db.selectFrom('people').select('token_hash').execute()).map((r) => r.token_hash);
    expect(JSON.stringify(log)).not.toMatch(new RegExp(hashes.join('|')));
    expect(hashToken('x')).toHaveLength(64);
  });
});
