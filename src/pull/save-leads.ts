import type { Lead, LeadOwnerChange, Page } from '../../connectors/connector.js';
import type { Db } from '../db.js';
import { commitWithoutFlushWait } from '../warehouse/bulk-merge.js';
import { saveCheckpoint } from '../warehouse/checkpoints.js';
import { leadOwners, markLeadsDeleted, upsertLeads } from '../warehouse/lead-tables.js';
import { quarantine } from '../warehouse/quarantine.js';
import { countPageInRun, type PageCounts, type StreamTarget, validatePage } from './page-writer.js';
import { leadOwnerChangeSchema, leadSchema } from './record-schemas.js';

/** Leads that are new or whose owner differs from the warehouse copy: only they need history. */
export async function leadsNeedingHistory(
  db: Db,
  connectionId: number,
  leads: readonly Lead[],
): Promise<string[]> {
  if (leads.length === 0) return [];
  const owner = await leadOwners(
    db,
    connectionId,
    leads.map((l) => l.externalId),
  );
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
    // A lost page is re-read from the CRM: see commitWithoutFlushWait.
    await commitWithoutFlushWait(trx);
    const previousOwner = await leadOwners(
      trx,
      target.connectionId,
      valid.map((l) => l.externalId),
    );
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
    // The leads and their assignment facts in one statement (the owners above were read first).
    const changedIds = await upsertLeads(
      trx,
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
      facts,
    );
    const changed = changedIds.length;
    const deleted = await markLeadsDeleted(trx, target.connectionId, page.deletedIds);
    await quarantine(trx, target.connectionId, target.runId, 'leads', rejected);
    await saveCheckpoint(trx, target.connectionId, target.runId, 'leads', page.checkpoint);
    const counts = { read: valid.length, changed, deleted, quarantined: rejected.length, changedIds };
    await countPageInRun(trx, target.runId, 'leads', counts);
    return counts;
  });
}
