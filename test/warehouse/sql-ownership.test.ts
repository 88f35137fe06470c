import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkOwnership, scanSource } from './sql-scanner.js';

/**
 * DESIGN §2: each table is written by ONE module, in src/warehouse/ (or the connection store in
 * src/connections/); stages call those modules; the surfaces (cli/, api/, demo/) hold no SQL.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Known exceptions, each with its reason. Empty since the restructure (issue 16) moved every
 * write into src/warehouse/; the test fails on a listed line that is no longer needed, so a
 * new exception is a visible decision, not a quiet one.
 */
const PENDING: readonly { readonly file: string; readonly table: string }[] = [];

async function sources(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    out.push([relative(root, path).split('\\').join('/'), await readFile(path, 'utf8')]);
  }
  return out;
}

describe('the warehouse owns its SQL', () => {
  it('every table is written by one module in src/warehouse/ or src/connections/; surfaces hold no SQL', async () => {
    const files = new Map([...(await sources('src')), ...(await sources('workers'))]);
    const { violations, writers, unusedAllowances } = checkOwnership(files, PENDING);
    expect(violations).toEqual([]);
    expect(unusedAllowances, 'PENDING lines whose violation is gone: remove them').toEqual([]);
    // The scan sees the pull stage's tables where they now live (a scan that finds nothing passes too easily).
    expect(writers.get('deals')).toEqual(['src/warehouse/deal-tables.ts']);
    expect(writers.get('schedules')).toEqual(['src/warehouse/schedules.ts']);
    expect(writers.get('connections')).toEqual(['src/connections/connection-store.ts']);
    expect(writers.get('sync_checkpoints')).toEqual(['src/warehouse/checkpoints.ts']);
    // Routing (issue 18): its decisions are the claim on a lead, so one module owns them; the
    // owner writes they queue go through the push tables' own writer.
    expect(writers.get('routing_rules')).toEqual(['src/warehouse/routing-tables.ts']);
    expect(writers.get('routing_decisions')).toEqual(['src/warehouse/routing-tables.ts']);
    expect(writers.get('push_outbox')).toEqual(['src/warehouse/push-tables.ts']);
    // Compensation (issue 19): inputs, team history, and statements each have one writer.
    for (const table of ['comp_plans', 'comp_assignments', 'comp_adjustments'])
      expect(writers.get(table)).toEqual(['src/warehouse/comp-tables.ts']);
    expect(writers.get('team_memberships')).toEqual(['src/warehouse/team-memberships.ts']);
    for (const table of ['comp_statements', 'comp_disputes', 'comp_periods'])
      expect(writers.get(table)).toEqual(['src/warehouse/comp-statements.ts']);
  });
});

describe('the ownership scanner', () => {
  it('finds builder and raw writes, and not those in comments or plain strings', () => {
    const scan = scanSource(`
      // insert into comments_are_not_code (a) values (1)
      /* delete from nor_this */
      const label = 'update labels set x = 1';
      await db.insertInto('deals').values(rows).execute();
      await trx.updateTable("stages").set({ x: 1 }).execute();
      await db.deleteFrom('owner_teams').execute();
      await sql\`insert into quotas (a) values (\${1})
        on conflict (a) do update set a = excluded.a\`.execute(db);
      await sql<{ n: number }>\`update metric_values m set value = \${v} where m.id = \${id}\`.execute(db);
      await sql\`delete from push_outbox where id = any(\${ids})\`.execute(db);
      await sql\`select 1 from deals for update of deals\`.execute(db);
    `);
    expect(scan.writes).toEqual(['deals', 'metric_values', 'owner_teams', 'push_outbox', 'quotas', 'stages']);
    expect(scan.undeclaredDynamicWrite).toBe(false);
    expect(scan.touchesSql).toBe(true);
  });

  it('calls a write with a computed table undeclared, unless the module lists what it writes', () => {
    expect(scanSource('await trx.updateTable(table).set({ a: 1 }).execute();').undeclaredDynamicWrite).toBe(
      true,
    );
    expect(
      scanSource(`await sql\`update \${sql.table(t)} x set a = 1\`.execute(db);`).undeclaredDynamicWrite,
    ).toBe(true);
    const declared = scanSource(
      '/** @writes deals leads */\nawait trx.updateTable(table).set({ a: 1 }).execute();',
    );
    expect(declared).toMatchObject({ writes: ['deals', 'leads'], undeclaredDynamicWrite: false });
  });

  it('refuses a write outside the warehouse, a second writer, SQL in a surface, and a stale allowance', () => {
    const files = new Map([
      ['src/warehouse/deal-tables.ts', "await db.insertInto('deals').values(r).execute();"],
      ['src/pull/save-deals.ts', "await db.updateTable('deals').set({ a: 1 }).execute();"],
      ['src/warehouse/other-deals.ts', `await sql\`delete from deals where id = \${id}\`.execute(db);`],
      ['src/cli/report-command.ts', "const rows = await db.selectFrom('deals').selectAll().execute();"],
      ['src/demo/run-demo.ts', 'const n = await sql<{ n: number }>`select 1 as n`.execute(db);'],
      ['src/api/routes.ts', "import { sql } from 'kysely';\nconst q = sql.raw('select 1');"],
      ['src/cli/fine-command.ts', "import { listSchedules } from '../warehouse/schedules.js';"],
    ]);
    const { violations, unusedAllowances } = checkOwnership(files, [
      { file: 'src/metrics/gone.ts', table: 'metric_values' },
    ]);
    expect(violations.map((v) => `${v.file} ${v.table}`).sort()).toEqual([
      'src/api/routes.ts *sql*',
      'src/cli/report-command.ts *sql*',
      'src/demo/run-demo.ts *sql*',
      // Twice: written outside the warehouse, and a second writer of deals.
      'src/pull/save-deals.ts deals',
      'src/pull/save-deals.ts deals',
      'src/warehouse/deal-tables.ts deals',
      'src/warehouse/other-deals.ts deals',
    ]);
    expect(unusedAllowances).toEqual(['src/metrics/gone.ts metric_values']);
  });

  it('lets an allowed violation through without making its table ownerless or doubly owned', () => {
    const files = new Map([
      ['src/warehouse/quota-tables.ts', 'await sql`insert into quotas (a) values (1)`.execute(db);'],
      ['src/metrics/quotas-import.ts', 'await sql`insert into quotas (a) values (2)`.execute(db);'],
    ]);
    const allowed = [{ file: 'src/metrics/quotas-import.ts', table: 'quotas' }];
    expect(checkOwnership(files, allowed)).toMatchObject({ violations: [], unusedAllowances: [] });
    expect(checkOwnership(files).violations.map((v) => v.file)).toEqual([
      'src/metrics/quotas-import.ts',
      'src/metrics/quotas-import.ts',
      'src/warehouse/quota-tables.ts',
    ]);
  });
});
