import { type Kysely, sql } from 'kysely';

/**
 * Attainment credits a deal to its owner at close, which needs history only for the few deals
 * whose owner ever changed. This partial index finds those deals (and their owner changes)
 * without reading stage history, which is most of `deal_history`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists deal_history_owner_idx
    on deal_history (connection_id, deal_id, changed_at) where field = 'owner'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists deal_history_owner_idx`.execute(db);
}
