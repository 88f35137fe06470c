import { type Kysely, sql } from 'kysely';

/**
 * `metric_values` loses its foreign key to `connections`; a statement trigger on `connections`
 * deletes a removed connection's values instead, so `connections remove --purge` still leaves
 * none behind. Why: the first compute at 1M deals inserts ~1M values, and the per-row
 * referential check was 2.9 s of a 7.4 s insert (EXPLAIN ANALYZE, issue 17); the values are a
 * cache the compute stage rebuilds, read by the push stage, and only compute writes them, for a
 * connection it has just read. What is given up: a compute racing a purge of its own connection
 * can leave rows for an id that no longer exists; ids are never reused, so nothing reads them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table metric_values drop constraint if exists metric_values_connection_id_fkey`.execute(db);
  await sql`create or replace function salesops_purge_metric_values() returns trigger
    language plpgsql as $$
    begin
      delete from metric_values m using salesops_removed_connections r where m.connection_id = r.id;
      return null;
    end $$`.execute(db);
  await sql`create trigger connections_purge_metric_values after delete on connections
    referencing old table as salesops_removed_connections
    for each statement execute function salesops_purge_metric_values()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists connections_purge_metric_values on connections`.execute(db);
  await sql`drop function if exists salesops_purge_metric_values()`.execute(db);
  await sql`delete from metric_values m where not exists (select 1 from connections c where c.id = m.connection_id)`.execute(
    db,
  );
  await sql`alter table metric_values add constraint metric_values_connection_id_fkey
    foreign key (connection_id) references connections (id) on delete cascade`.execute(db);
}
