/**
 * The write limit of this machine's Postgres for the rows a sync writes (issue 17): the very rows
 * the product wrote (dumped from its database after the sync, outside the timing) loaded again
 * into a fresh, migrated scratch database the fastest way we know: per table, COPY into a
 * temporary staging table and one `INSERT … SELECT … ON CONFLICT` merge into the real table, in
 * one transaction. Same tables, same indexes, same row count and shape as the product's writes.
 *
 * Used by `bench/sync.ts` (the `_` prefix keeps `bench/run-all.ts` from running it alone).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { dropDatabase } from '../src/db.js';
import { createTestDatabase } from '../test/support/test-db.js';

export interface TableLoad {
  readonly table: string;
  readonly rows: number;
  readonly copyMs: number;
  readonly mergeMs: number;
}

export interface WriteLimit {
  readonly method: string;
  readonly rows: number;
  readonly ms: number;
  readonly rowsPerSecond: number;
  readonly tables: readonly TableLoad[];
}

interface Column {
  readonly name: string;
  readonly key: boolean;
}

/** Insertable columns in table order, and which of them make the primary key. */
async function columnsOf(client: pg.Client, table: string): Promise<Column[]> {
  const result = await client.query<{ name: string; key: boolean }>(
    `select a.attname as name, coalesce(a.attnum = any(i.indkey), false) as key
       from pg_attribute a
       left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      order by a.attnum`,
    [table],
  );
  return result.rows;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Loads `tables` (with rows) from `sourceUrl` into a scratch database by COPY + merge and times
 * it. `connections` is copied first, untimed, because every warehouse table references it.
 */
export async function measureWriteLimit(sourceUrl: string, tables: readonly string[]): Promise<WriteLimit> {
  const dir = mkdtempSync(join(tmpdir(), 'salesops-bench-copy-'));
  const source = new pg.Client({ connectionString: sourceUrl });
  await source.connect();
  const scratch = await createTestDatabase('bench_write_limit');
  await scratch.db.destroy();
  const target = new pg.Client({ connectionString: scratch.url });
  await target.connect();
  try {
    const dump = async (table: string, columns: readonly Column[]) => {
      const file = join(dir, `${table}.copy`);
      const list = columns.map((c) => quote(c.name)).join(', ');
      await pipeline(
        source.query(copyTo(`copy ${quote(table)} (${list}) to stdout`)),
        createWriteStream(file),
      );
      return file;
    };
    const load = async (table: string, columns: readonly Column[], file: string) => {
      const list = columns.map((c) => quote(c.name)).join(', ');
      await pipeline(
        createReadStream(file),
        target.query(copyFrom(`copy ${quote(table)} (${list}) from stdin`)),
      );
    };
    const connectionColumns = await columnsOf(source, 'connections');
    await load('connections', connectionColumns, await dump('connections', connectionColumns));

    const plans: { table: string; columns: Column[]; file: string }[] = [];
    for (const table of tables) {
      const columns = await columnsOf(source, table);
      plans.push({ table, columns, file: await dump(table, columns) });
    }
    const loads: TableLoad[] = [];
    const started = performance.now();
    await target.query('begin');
    for (const { table, columns, file } of plans) {
      const staging = `staging_${table}`;
      const list = columns.map((c) => quote(c.name)).join(', ');
      const keys = columns.filter((c) => c.key).map((c) => quote(c.name));
      const rest = columns.filter((c) => !c.key).map((c) => `${quote(c.name)} = excluded.${quote(c.name)}`);
      const copyStarted = performance.now();
      await target.query(`create temporary table ${staging} (like ${quote(table)}) on commit drop`);
      await load(staging, columns, file);
      const mergeStarted = performance.now();
      // DO UPDATE where the table has non-key columns (deals, leads), as an upsert must; history
      // tables are all key, so a repeated row is simply skipped.
      const action = rest.length > 0 ? `do update set ${rest.join(', ')}` : 'do nothing';
      const merged = await target.query(
        `insert into ${quote(table)} (${list}) select ${list} from ${staging} on conflict (${keys.join(', ')}) ${action}`,
      );
      loads.push({
        table,
        rows: merged.rowCount ?? 0,
        copyMs: Math.round(mergeStarted - copyStarted),
        mergeMs: Math.round(performance.now() - mergeStarted),
      });
    }
    await target.query('commit');
    const ms = performance.now() - started;
    const rows = loads.reduce((sum, t) => sum + t.rows, 0);
    return {
      method:
        'COPY into a temporary staging table + one INSERT … SELECT … ON CONFLICT per table, one transaction',
      rows,
      ms: Math.round(ms),
      rowsPerSecond: Math.round(rows / (ms / 1000)),
      tables: loads,
    };
  } finally {
    await source.end();
    await target.end();
    await dropDatabase(scratch.url);
    rmSync(dir, { recursive: true, force: true });
  }
}
