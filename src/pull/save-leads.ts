import { sql } from 'kysely';
import type { Lead, LeadOwnerChange, Page } from '../../connectors/connector.js';
import type { Db } from '../db.js';
import { countPageInRun, quarantine, saveCheckpoint, validatePage } from './page-writer.js';
import { leadOwnerChangeSchema, leadSchema } from './record-schemas.js';
import { markDeleted, type PageCounts, type StreamTarget } from './save-deals.js';

/** Leads that are new or whose owner differs from the warehouse copy: only they need history. */
export async function leadsNeedingHistory(
  db: Db,
  connectionId: number,
  leads: readonly Lead[],
): Promise<string[]> {
  if (leads.length === 0) return [];
  const known = await db
    .selectFrom('leads')
    .select(['external_id', 'owner_id'])
    .where('connection_id', '=', connectionId)
    .where(
      'external_id',
      'in',
      leads.map((l) => l.externalId),
    )
    .execute();
  const owner = new Map(known.map((row) => [row.external_id, row.owner_id]));
  return leads
    .filter((l) => !owner.has(l.externalId) || owner.get(l.externalId) !== l.ownerId)
    .map((l) => l.externalId);
}

/**
 * One page of leads with its assignment facts and checkpoint, in one transaction. The audit
 * trail records every owner a lead had: from the CRM's field history where it keeps one, else
 * the change this sync observed (the new owner, at the CRM's assignment time when it has one).
 */
export async function saveLeadPage(
  db: Db,
  target: StreamTarget,
  page: Page<Lead>,
  history: readonly LeadOwnerChange[],
): Promise<PageCounts> {
  const { valid, rejected: invalid } = validatePage(page.records, leadSchema, (l) => l.lastModifiedAt);
  // Records the connector itself could not map are quarantined alongside those that fail here.
  const rejected = [...page.rejected, ...invalid];
  const crmHistory = history.flatMap((h) => {
    const parsed = leadOwnerChangeSchema.safeParse(h);
    return parsed.success && parsed.data.ownerId ? [{ ...parsed.data, ownerId: parsed.data.ownerId }] : [];
  });
  const withHistory = new Set(crmHistory.map((h) => h.leadId));
  return db.transaction().execute(async (trx) => {
    const previous = valid.length
      ? await trx
          .selectFrom('leads')
          .select(['external_id', 'owner_id'])
          .where('connection_id', '=', target.connectionId)
          .where(
            'external_id',
            'in',
            valid.map((l) => l.externalId),
          )
          .execute()
      : [];
    const previousOwner = new Map(previous.map((row) => [row.external_id, row.owner_id]));
    let changed = 0;
    const changedIds: string[] = [];
    if (valid.length > 0) {
      const result = await trx
        .insertInto('leads')
        .values(
          valid.map((l) => ({
            connection_id: target.connectionId,
            external_id: l.externalId,
            email: l.email,
            owner_id: l.ownerId,
            assigned_at: l.assignedAt,
            score: l.score,
            rating: l.rating,
            source: l.source,
            status: l.status,
            crm_created_at: l.createdAt,
            last_modified_at: l.lastModifiedAt,
            is_deleted: false,
            deleted_at: null,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['connection_id', 'external_id'])
            .doUpdateSet((eb) => ({
              email: eb.ref('excluded.email'),
              owner_id: eb.ref('excluded.owner_id'),
              assigned_at: eb.ref('excluded.assigned_at'),
              score: eb.ref('excluded.score'),
              rating: eb.ref('excluded.rating'),
              source: eb.ref('excluded.source'),
              status: eb.ref('excluded.status'),
              crm_created_at: eb.ref('excluded.crm_created_at'),
              last_modified_at: eb.ref('excluded.last_modified_at'),
              is_deleted: false,
              deleted_at: null,
              synced_at: sql`now()`,
            }))
            .where(sql<boolean>`excluded.last_modified_at >= leads.last_modified_at`)
            .where(
              sql<boolean>`(leads.email, leads.owner_id, leads.assigned_at, leads.score, leads.rating, leads.source,
                leads.status, leads.crm_created_at, leads.last_modified_at, leads.is_deleted)
              is distinct from (excluded.email, excluded.owner_id, excluded.assigned_at, excluded.score,
                excluded.rating, excluded.source, excluded.status, excluded.crm_created_at,
                excluded.last_modified_at, false)`,
            ),
        )
        .returning('external_id')
        .execute();
      changed += result.length;
      changedIds.push(...result.map((r) => r.external_id));
    }

    const observed = valid
      .filter(
        (l) =>
          l.ownerId !== null &&
          !withHistory.has(l.externalId) &&
          (!previousOwner.has(l.externalId) || previousOwner.get(l.externalId) !== l.ownerId),
      )
      .map((l) => ({
        connection_id: target.connectionId,
        lead_id: l.externalId,
        owner_id: l.ownerId as string,
        assigned_at: l.assignedAt ?? l.lastModifiedAt,
        // The CRM's own assignment timestamp is a CRM fact; without it we only saw the change.
        source: (l.assignedAt ? 'crm_history' : 'observed') as 'crm_history' | 'observed',
      }));
    const facts = [
      ...crmHistory.map((h) => ({
        connection_id: target.connectionId,
        lead_id: h.leadId,
        owner_id: h.ownerId,
        assigned_at: h.changedAt,
        source: 'crm_history' as const,
      })),
      ...observed,
    ];
    if (facts.length > 0) {
      await trx
        .insertInto('lead_assignments')
        .values(facts)
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    const deleted = await markDeleted(trx, 'leads', target.connectionId, page.deletedIds);
    await quarantine(trx, target.connectionId, target.runId, 'leads', rejected);
    await saveCheckpoint(trx, target.connectionId, target.runId, 'leads', page.checkpoint);
    const counts = { read: valid.length, changed, deleted, quarantined: rejected.length, changedIds };
    await countPageInRun(trx, target.runId, 'leads', counts);
    return counts;
  });
}
