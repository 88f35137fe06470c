import { sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * The reads /metrics and /healthz make at scrape time: read-only, so they live beside the
 * tables' writers without writing anything.
 */
export interface LastSuccessfulSyncRow {
  readonly connection: string;
  readonly finishedAt: Date;
}

/** Per connection, when its last run ended `succeeded` or `partial` (a partial run did sync). */
export async function lastSuccessfulSyncs(db: Db): Promise<LastSuccessfulSyncRow[]> {
  const rows = await db
    .selectFrom('sync_runs')
    .innerJoin('connections', 'connections.id', 'sync_runs.connection_id')
    .where('sync_runs.status', 'in', ['succeeded', 'partial'])
    .where('sync_runs.finished_at', 'is not', null)
    .groupBy('connections.name')
    .select(['connections.name as connection', sql<Date>`max(sync_runs.finished_at)`.as('finished_at')])
    .execute();
  return rows.map((row) => ({ connection: row.connection, finishedAt: new Date(row.finished_at) }));
}

/** Does the warehouse answer a query? */
export async function pingWarehouse(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
