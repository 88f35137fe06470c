import { type Insertable, sql } from 'kysely';
import type { Db } from '../db.js';
import { type Columns, columnList, unnestRows } from './bulk-merge.js';
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

const DEAL_COLUMNS: Columns<DealInsert> = [
  ['connection_id', 'integer'],
  ['external_id', 'text'],
  ['name', 'text'],
  ['pipeline_id', 'text'],
  ['stage_id', 'text'],
  ['owner_id', 'text'],
  ['amount', 'numeric'],
  ['currency', 'text'],
  ['amount_home', 'numeric'],
  ['crm_created_at', 'timestamptz'],
  ['close_at', 'timestamptz'],
  ['close_date', 'date'],
  ['forecast_category', 'text'],
  ['probability', 'numeric'],
  ['last_modified_at', 'timestamptz'],
  ['is_deleted', 'boolean'],
  ['deleted_at', 'timestamptz'],
  ['merged_into', 'text'],
];

const HISTORY_COLUMNS: Columns<DealHistoryInsert> = [
  ['connection_id', 'integer'],
  ['deal_id', 'text'],
  ['field', 'text'],
  ['changed_at', 'timestamptz'],
  ['value', 'text'],
  ['source', 'text'],
];

/** Inserts history rows not yet held, as the `h` step of a page's statement (see upsertDeals). */
const historyInsert = (rows: readonly DealHistoryInsert[]) =>
  sql`insert into deal_history (${columnList(HISTORY_COLUMNS)})
    select ${columnList(HISTORY_COLUMNS, 'h')} from ${unnestRows('h', HISTORY_COLUMNS, rows)}
    on conflict do nothing`;

/**
 * Upserts a page of deals and, in the same statement, inserts `history` (rows already held are
 * kept): one round trip whatever the page's size. A deal changes only when the incoming copy is
 * at least as new and differs in a compared column (close_date follows close_at). Returns the
 * external ids inserted or changed.
 */
export async function upsertDeals(
  trx: Db,
  rows: readonly DealInsert[],
  history: readonly DealHistoryInsert[] = [],
): Promise<string[]> {
  if (rows.length === 0) {
    await insertDealHistory(trx, history);
    return [];
  }
  // A deal inserted here takes its first close from the history rows this statement inserts;
  // for deals already held, the deal_history trigger lowers it after the statement (migration
  // 20261204_061), so a first pull writes each closed deal once, not once and again.
  const result = await sql<{ external_id: string }>`with h as (${historyInsert(history)}
      returning connection_id, deal_id, field, changed_at, value),
    fc as (
      select h.deal_id, min(h.changed_at) as closed_at
      from h join stages s on s.connection_id = h.connection_id and s.external_id = h.value and s.is_closed
      where h.field = 'stage'
      group by h.deal_id
    )
    insert into deals (${columnList(DEAL_COLUMNS)}, first_closed_at)
    select ${columnList(DEAL_COLUMNS.slice(0, -3), 'd')}, coalesce(d.is_deleted, false), d.deleted_at, d.merged_into,
      fc.closed_at
    from ${unnestRows('d', DEAL_COLUMNS, rows)}
    left join fc on fc.deal_id = d.external_id
    on conflict (connection_id, external_id) do update set
      name = excluded.name, pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id,
      owner_id = excluded.owner_id, amount = excluded.amount, currency = excluded.currency,
      amount_home = excluded.amount_home, crm_created_at = excluded.crm_created_at,
      close_at = excluded.close_at, close_date = excluded.close_date,
      forecast_category = excluded.forecast_category, probability = excluded.probability,
      last_modified_at = excluded.last_modified_at,
      is_deleted = false, deleted_at = null, merged_into = null, synced_at = now()
    where excluded.last_modified_at >= deals.last_modified_at
      and (deals.name, deals.pipeline_id, deals.stage_id, deals.owner_id, deals.amount, deals.currency,
        deals.amount_home, deals.crm_created_at, deals.close_at, deals.forecast_category, deals.probability,
        deals.last_modified_at, deals.is_deleted)
      is distinct from (excluded.name, excluded.pipeline_id, excluded.stage_id, excluded.owner_id,
        excluded.amount, excluded.currency, excluded.amount_home, excluded.crm_created_at, excluded.close_at,
        excluded.forecast_category, excluded.probability, excluded.last_modified_at, false)
    returning external_id`.execute(trx);
  return result.rows.map((r) => r.external_id);
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
  await historyInsert(rows).execute(trx);
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
