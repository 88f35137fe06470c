import { sql } from 'kysely';
import type { Checkpoint, Deal, DealChange, Page } from '../../connectors/connector.js';
import type { Db } from '../db.js';
import {
  affected,
  countPageInRun,
  instantOf,
  localDay,
  quarantine,
  saveCheckpoint,
  type Trx,
  validatePage,
} from './page-writer.js';
import { dealChangeSchema, dealSchema } from './record-schemas.js';

export interface PageCounts {
  readonly read: number;
  readonly changed: number;
  readonly deleted: number;
  readonly quarantined: number;
  /** Ids inserted or updated, whose history the caller may want. */
  readonly changedIds: readonly string[];
}

export interface StreamTarget {
  readonly connectionId: number;
  readonly runId: number | null;
  readonly timeZone: string;
}

/** Ids of this page that are new or newer than the warehouse copy: only they need history. */
export async function staleDealIds(db: Db, connectionId: number, deals: readonly Deal[]): Promise<string[]> {
  if (deals.length === 0) return [];
  const known = await db
    .selectFrom('deals')
    .select(['external_id', 'last_modified_at'])
    .where('connection_id', '=', connectionId)
    .where(
      'external_id',
      'in',
      deals.map((d) => d.externalId),
    )
    .execute();
  const seen = new Map(known.map((row) => [row.external_id, row.last_modified_at.getTime()]));
  return deals
    .filter((d) => {
      const at = seen.get(d.externalId);
      return at === undefined || Date.parse(d.lastModifiedAt) > at;
    })
    .map((d) => d.externalId);
}

/**
 * One page of deals, its history and its checkpoint in one transaction. A row is updated only
 * when the incoming copy is at least as new and actually different, so re-reading a page (the
 * lookback, a resumed run) changes nothing.
 */
export async function saveDealPage(
  db: Db,
  target: StreamTarget,
  page: Page<Deal>,
  history: readonly DealChange[],
  stream = 'deals',
): Promise<PageCounts> {
  const { valid, rejected: invalid } = validatePage(page.records, dealSchema, (d) => d.lastModifiedAt);
  // Records the connector itself could not map are quarantined alongside those that fail here.
  const rejected = [...page.rejected, ...invalid];
  const validHistory = history.flatMap((change) => {
    const parsed = dealChangeSchema.safeParse(change);
    return parsed.success ? [parsed.data] : [];
  });
  return db.transaction().execute(async (trx) => {
    let changed = 0;
    const changedIds: string[] = [];
    if (valid.length > 0) {
      const rows = valid.map((d) => ({
        connection_id: target.connectionId,
        external_id: d.externalId,
        name: d.name,
        pipeline_id: d.pipelineId,
        stage_id: d.stageId,
        owner_id: d.ownerId,
        amount: d.amount,
        currency: d.currency,
        amount_home: d.amountHome ?? (d.currency === null ? d.amount : null),
        crm_created_at: d.createdAt,
        close_at: instantOf(d.closeDate, target.timeZone),
        close_date: localDay(d.closeDate, target.timeZone),
        forecast_category: d.forecastCategory,
        probability: d.probability,
        last_modified_at: d.lastModifiedAt,
        is_deleted: false,
        deleted_at: null,
        merged_into: null,
      }));
      const result = await trx
        .insertInto('deals')
        .values(rows)
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
      changed += result.length;
      changedIds.push(...result.map((r) => r.external_id));
    }
    changed += await foldMerges(trx, target.connectionId, valid);
    const deleted = await markDeleted(trx, 'deals', target.connectionId, page.deletedIds);
    if (validHistory.length > 0) {
      await trx
        .insertInto('deal_history')
        .values(
          validHistory.map((h) => ({
            connection_id: target.connectionId,
            deal_id: h.dealId,
            field: h.field,
            changed_at: h.changedAt,
            value: h.value ?? '',
            source: 'crm_history',
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    await quarantine(trx, target.connectionId, target.runId, stream, rejected);
    await saveCheckpoint(trx, target.connectionId, target.runId, stream, page.checkpoint);
    const counts = { read: valid.length, changed, deleted, quarantined: rejected.length, changedIds };
    await countPageInRun(trx, target.runId, 'deals', counts);
    return counts;
  });
}

/** Merged-away records become deleted rows pointing at the survivor; their history moves with them. */
async function foldMerges(trx: Trx, connectionId: number, deals: readonly Deal[]): Promise<number> {
  let changed = 0;
  for (const deal of deals) {
    if (deal.mergedIds.length === 0) continue;
    const result = await trx
      .updateTable('deals')
      .set({ is_deleted: true, deleted_at: sql`now()`, merged_into: deal.externalId, synced_at: sql`now()` })
      .where('connection_id', '=', connectionId)
      .where('external_id', 'in', [...deal.mergedIds])
      .where((eb) => eb.or([eb('merged_into', 'is', null), eb('merged_into', '!=', deal.externalId)]))
      .executeTakeFirst();
    changed += Number(result.numUpdatedRows);
    await sql`insert into deal_history (connection_id, deal_id, field, changed_at, value, source)
      select connection_id, ${deal.externalId}, field, changed_at, value, source from deal_history
      where connection_id = ${connectionId} and deal_id in (${sql.join([...deal.mergedIds])})
      on conflict do nothing`.execute(trx);
  }
  return changed;
}

export async function markDeleted(
  trx: Trx,
  table: 'deals' | 'leads',
  connectionId: number,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable(table)
    .set({ is_deleted: true, deleted_at: sql`now()`, synced_at: sql`now()` })
    .where('connection_id', '=', connectionId)
    .where('external_id', 'in', [...ids])
    .where('is_deleted', '=', false)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export type { Checkpoint };
export { affected };
