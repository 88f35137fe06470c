import { sql } from 'kysely';
import type { Deal, DealChange, Page } from '../connectors/connector.js';
import type { Db } from '../src/db.js';
import {
  countPageInRun,
  instantOf,
  localDay,
  type StreamTarget,
  validatePage,
} from '../src/pull/page-writer.js';
import { dealChangeSchema, dealSchema } from '../src/pull/record-schemas.js';
import { saveCheckpoint } from '../src/warehouse/checkpoints.js';

/**
 * The pull's deal page write before issue 17 step 3 (commit f7474df), kept so bench/page-writes.ts
 * measures it beside its replacement in one run: kysely multi-row VALUES for deals, then for
 * history, in the page's transaction with its checkpoint and run counts. Validation is left
 * out (the bench's pages are valid), as are merges and deletes (its pages have none).
 */
export async function saveDealPageBefore(
  db: Db,
  target: StreamTarget,
  page: Page<Deal>,
  history: readonly DealChange[],
): Promise<{ changed: number }> {
  const { valid } = validatePage(page.records, dealSchema, (d) => d.lastModifiedAt);
  const validHistory = history.flatMap((change) => {
    const parsed = dealChangeSchema.safeParse(change);
    return parsed.success ? [parsed.data] : [];
  });
  return db.transaction().execute(async (trx) => {
    const changed = await trx
      .insertInto('deals')
      .values(
        valid.map((d) => ({
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
        })),
      )
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
    if (validHistory.length > 0)
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
    await saveCheckpoint(trx, target.connectionId, target.runId, 'deals', page.checkpoint);
    const counts = { read: valid.length, changed: changed.length, deleted: 0, quarantined: 0 };
    await countPageInRun(trx, target.runId, 'deals', counts);
    return counts;
  });
}
