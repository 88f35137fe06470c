import { readdir } from 'node:fs/promises';
import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { type Db, ensureDatabase } from './db.js';
import { DomainError } from './domain-error.js';

/**
 * Reads migrations/ next to this module's tree, so the same code finds `.ts` files under tsx and
 * the compiled `.js` files under dist/.
 */
const migrationsDir = new URL('../migrations/', import.meta.url);

const provider: MigrationProvider = {
  async getMigrations() {
    const files = (await readdir(migrationsDir))
      .filter((file) => /^\d{8}_\d{3}_[a-z0-9_-]+\.(ts|js)$/.test(file))
      .sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const module = (await import(new URL(file, migrationsDir).href)) as Migration;
      migrations[file.replace(/\.(ts|js)$/, '')] = module;
    }
    return migrations;
  },
};

export class MigrationError extends DomainError {
  override readonly name = 'MigrationError';
}

/**
 * Creates the database if needed and applies pending migrations. A transaction-level advisory
 * lock inside kysely's migrator already serialises concurrent runs; this adds the create step.
 */
export async function migrate(db: Db, databaseUrl: string): Promise<readonly string[]> {
  await ensureDatabase(databaseUrl);
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(
      `Migration ${failed} failed (${error instanceof Error ? error.message : String(error)}); fix the database or restore a backup, then run \`salesops migrate\` again.`,
      { cause: error },
    );
  }
  return (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}

export async function schemaVersion(db: Db): Promise<string | null> {
  const rows = await sql<{
    name: string;
  }>`select name from kysely_migration order by name desc limit 1`.execute(db);
  return rows.rows[0]?.name ?? null;
}
