import { type Insertable, sql } from 'kysely';
import type { Db } from '../db.js';
import type { DealHistoryTable, DealSplitsTable, DealsTable } from './tables.js';

/**
 * Writes of `deals`, `deal_history` and `deal_splits`. A deal row is updated only when the
 * incoming copy is at least as new and actually different, so re-reading a page (the lookback,
 * a resumed run) changes nothing; deletes are soft (`is_deleted`, kept for audit).
 */
export type DealInsert = Insertable<DealsTable>;
export type DealHistoryInsert = Insertable<DealHistoryTable>;
export type DealSplitInsert = Insertable<DealSplitsTable>;

/** Last modification the warehouse holds for each of these deals (absent: never seen). */
export async function dealModifiedTimes(
  db: Db,
  connectionId: number,
  ids: readonly string[],
): Promise<Map<string, Date>> {
  if (ids.length === 0) return new Map();
  const known = await db
    .selectFrom('deals')
    .select(['external_id', 'last_modified_at'])
    .where('connection_id', '=', connectionId)
    .where('external_id', 'in', [...ids])
    .execute();
  return new Map(known.map((row) => [row.external_id, row.last_modified_at]));
}

/** Returns the external ids inserted or changed. */
export async function upsertDeals(trx: Db, rows: readonly DealInsert[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const result = await trx
    .insertInto('deals')
    .values([...rows])
    .onConflict((oc) =>
      oc
        .columns(['connection_id', 'external_id'])
        .doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          pipeline_id: eb.ref('excluded.pipeline_id'),
          stage_id: eb.ref('excluded.stage_id'),
          owner_id: eb.ref('excluded.owner_id'),
          amount: eb.ref('excluded.amount'),
          currency: eb.ref('excluded.currency'),
          amount_home: eb.ref('excluded.amount_home'),
          crm_created_at: eb.ref('excluded.crm_created_at'),
          close_at: eb.ref('excluded.close_at'),
          close_date: eb.ref('excluded.close_date'),
          forecast_category: eb.ref('excluded.forecast_category'),
          probability: eb.ref('excluded.probability'),
          last_modified_at: eb.ref('excluded.last_modified_at'),
          is_deleted: false,
          deleted_at: null,
          merged_into: null,
          synced_at: sql`now()`,
        }))
        .where(sql<boolean>`excluded.last_modified_at >= deals.last_modified_at`)
        .where(
          sql<boolean>`(deals.name, deals.pipeline_id, deals.stage_id, deals.owner_id, deals.amount, deals.currency,
            deals.amount_home, deals.crm_created_at, deals.close_at, deals.forecast_category, deals.probability,
            deals.last_modified_at, deals.is_deleted)
          is distinct from (excluded.name, excluded.pipeline_id, excluded.stage_id, excluded.owner_id,
            excluded.amount, excluded.currency, excluded.amount_home, excluded.crm_created_at, excluded.close_at,
            excluded.forecast_category, excluded.probability, excluded.last_modified_at, false)`,
        ),
    )
    .returning('external_id')
    .execute();
  return result.map((r) => r.external_id);
}

/**
 * Merged-away deals become deleted rows pointing at the survivor; their history is copied to
 * it. Returns the number of merged-away rows changed.
 */
export async function foldMergedDeals(
  trx: Db,
  connectionId: number,
  survivorId: string,
  mergedIds: readonly string[],
): Promise<number> {
  if (mergedIds.length === 0) return 0;
  const result = await trx
    .updateTable('deals')
    .set({ is_deleted: true, deleted_at: sql`now()`, merged_into: survivorId, synced_at: sql`now()` })
    .where('connection_id', '=', connectionId)
    .where('external_id', 'in', [...mergedIds])
    .where((eb) => eb.or([eb('merged_into', 'is', null), eb('merged_into', '!=', survivorId)]))
    .executeTakeFirst();
  await sql`insert into deal_history (connection_id, deal_id, field, changed_at, value, source)
    select connection_id, ${survivorId}, field, changed_at, value, source from deal_history
    where connection_id = ${connectionId} and deal_id in (${sql.join([...mergedIds])})
    on conflict do nothing`.execute(trx);
  return Number(result.numUpdatedRows);
}

/** Soft-deletes the deals the CRM reported deleted; returns how many were not already. */
export async function markDealsDeleted(
  trx: Db,
  connectionId: number,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable('deals')
    .set({ is_deleted: true, deleted_at: sql`now()`, synced_at: sql`now()` })
    .where('connection_id', '=', connectionId)
    .where('external_id', 'in', [...ids])
    .where('is_deleted', '=', false)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Soft-deletes every live deal absent from the session's `reconcile_ids` (see reconcile-ids.ts). */
export async function markDealsMissing(trx: Db, connectionId: number): Promise<number> {
  const marked = await sql`update deals t set is_deleted = true, deleted_at = now(), synced_at = now()
    where t.connection_id = ${connectionId} and not t.is_deleted
      and not exists (select 1 from reconcile_ids r where r.external_id = t.external_id)`.execute(trx);
  return Number(marked.numAffectedRows ?? 0n);
}

export async function insertDealHistory(trx: Db, rows: readonly DealHistoryInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('deal_history')
    .values([...rows])
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The splits of these deals become exactly `rows`, in one transaction of their own. */
export async function replaceDealSplits(
  db: Db,
  connectionId: number,
  dealIds: readonly string[],
  rows: readonly DealSplitInsert[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('deal_splits')
      .where('connection_id', '=', connectionId)
      .where('deal_id', 'in', [...dealIds])
      .execute();
    if (rows.length > 0)
      await trx
        .insertInto('deal_splits')
        .values([...rows])
        .onConflict((oc) => oc.doNothing())
        .execute();
  });
}
