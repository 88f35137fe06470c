import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, dropDatabase } from '../../src/db.js';
import { migrate, schemaVersion } from '../../src/migrate.js';
import { uniqueDatabaseUrl } from '../support/test-db.js';

describe('migrate', () => {
  const url = uniqueDatabaseUrl('migrate');
  afterAll(() => dropDatabase(url));

  it('creates a missing database, applies every migration, and is idempotent', async () => {
    const db = createDb(url);
    try {
      const first = await migrate(db, url);
      expect(first.length).toBeGreaterThanOrEqual(4);
      const second = await migrate(db, url);
      expect(second).toEqual([]);
      expect(await schemaVersion(db)).toBe(first.at(-1));
      const tables = await sql<{ tablename: string }>`
        select tablename from pg_tables where schemaname = 'public' order by tablename`.execute(db);
      const names = tables.rows.map((row) => row.tablename);
      for (const table of [
        'connections',
        'owners',
        'teams',
        'owner_teams',
        'pipelines',
        'stages',
        'deals',
        'sync_checkpoints',
        'sync_runs',
        'quarantined_records',
      ]) {
        expect(names).toContain(table);
      }
    } finally {
      await db.destroy();
    }
  });

  it('lets concurrent processes migrate the same new database without error', async () => {
    const raceUrl = uniqueDatabaseUrl('migrate_race');
    const a = createDb(raceUrl);
    const b = createDb(raceUrl);
    try {
      const [ra, rb] = await Promise.all([migrate(a, raceUrl), migrate(b, raceUrl)]);
      // Exactly one of the two applies the migrations; the other finds nothing pending.
      expect(ra.length + rb.length).toBe(Math.max(ra.length, rb.length));
    } finally {
      await a.destroy();
      await b.destroy();
      await dropDatabase(raceUrl);
    }
  });
});
