import type { Deal, DealChange, Page } from '../../connectors/connector.js';
import type { Db } from '../db.js';
import { commitWithoutFlushWait } from '../warehouse/bulk-merge.js';
import { saveCheckpoint } from '../warehouse/checkpoints.js';
import {
  dealModifiedTimes,
  foldMergedDeals,
  insertDealHistory,
  markDealsDeleted,
  replaceDealSplits,
  upsertDeals,
} from '../warehouse/deal-tables.js';
import { quarantine } from '../warehouse/quarantine.js';
import {
  countPageInRun,
  instantOf,
  localDay,
  type PageCounts,
  type StreamTarget,
  validatePage,
} from './page-writer.js';
import { dealChangeSchema, dealSchema } from './record-schemas.js';

/** Ids of this page that are new or newer than the warehouse copy: only they need history. */
export async function staleDealIds(db: Db, connectionId: number, deals: readonly Deal[]): Promise<string[]> {
  if (deals.length === 0) return [];
  const seen = await dealModifiedTimes(
    db,
    connectionId,
    deals.map((d) => d.externalId),
  );
  return deals
    .filter((d) => {
      const at = seen.get(d.externalId)?.getTime();
      return at === undefined || Date.parse(d.lastModifiedAt) > at;
    })
    .map((d) => d.externalId);
}

/**
 * One page of deals, its history and its checkpoint in one transaction. Re-reading a page (the
 * lookback, a resumed run) changes nothing: the warehouse keeps the newer copy.
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
  const connectionId = target.connectionId;
  const historyRows = validHistory.map((h) => ({
    connection_id: connectionId,
    deal_id: h.dealId,
    field: h.field,
    changed_at: h.changedAt,
    value: h.value ?? '',
    source: 'crm_history',
  }));
  // A merged-away deal's history is copied to its survivor from what the warehouse held before
  // this page; the page's own history then follows, as it did when each was its own statement.
  const merges = valid.filter((d) => d.mergedIds.length > 0);
  return db.transaction().execute(async (trx) => {
    // A lost page is re-read from the CRM: see commitWithoutFlushWait.
    await commitWithoutFlushWait(trx);
    const changedIds = await upsertDeals(
      trx,
      valid.map((d) => ({
        connection_id: connectionId,
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
      })),
      merges.length === 0 ? historyRows : [],
    );
    let changed = changedIds.length;
    for (const deal of merges)
      changed += await foldMergedDeals(trx, connectionId, deal.externalId, deal.mergedIds);
    if (merges.length > 0) await insertDealHistory(trx, historyRows);
    const deleted = await markDealsDeleted(trx, connectionId, page.deletedIds);
    await quarantine(trx, connectionId, target.runId, stream, rejected);
    await saveCheckpoint(trx, connectionId, target.runId, stream, page.checkpoint);
    const counts = { read: valid.length, changed, deleted, quarantined: rejected.length, changedIds };
    await countPageInRun(trx, target.runId, 'deals', counts);
    return counts;
  });
}

/** Revenue splits of the page's stale deals; a percent outside 0–100 is the CRM's error, skipped. */
export async function saveSplits(
  db: Db,
  connectionId: number,
  dealIds: readonly string[],
  splits: readonly { dealId: string; ownerId: string; percent: number }[],
): Promise<void> {
  await replaceDealSplits(
    db,
    connectionId,
    dealIds,
    splits
      .filter((s) => s.percent >= 0 && s.percent <= 100)
      .map((s) => ({
        connection_id: connectionId,
        deal_id: s.dealId,
        owner_id: s.ownerId,
        percent: s.percent,
      })),
  );
}
