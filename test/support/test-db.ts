import { randomBytes } from 'node:crypto';
import { createDb, type Db, dropDatabase } from '../../src/db.js';
import { migrate } from '../../src/migrate.js';

const SERVER = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database URL unique to one suite run, on the local test server. */
export function uniqueDatabaseUrl(label: string): string {
  const url = new URL(SERVER);
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  url.pathname = `/salesops_t_${safe}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

export interface TestDatabase {
  readonly url: string;
  readonly db: Db;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** Each suite gets its own migrated database so parallel suites never see each other. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const url = uniqueDatabaseUrl(label);
  const db = createDb(url, { max: 5 });
  await migrate(db, url);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(url);
    },
  };
}

/** A Redis key prefix (hash-tagged like production) unique to one suite run. */
export function uniqueQueuePrefix(label: string): string {
  return `{t_${label.replace(/[^A-Za-z0-9]+/g, '_')}_${randomBytes(3).toString('hex')}}`;
}
