import { type Insertable, sql } from 'kysely';
import type { Db } from '../db.js';
import { type Columns, columnList, unnestRows } from './bulk-merge.js';
import type { LeadAssignmentsTable, LeadsTable } from './tables.js';

/**
 * Writes of `leads` and `lead_assignments`. The assignment table is the audit trail of every
 * owner a lead had, so it is only ever appended to; a lead row changes only when the incoming
 * copy is at least as new and actually different.
 */
export type LeadInsert = Insertable<LeadsTable>;
export type LeadAssignmentInsert = Insertable<LeadAssignmentsTable>;

/** The owner the warehouse holds for each of these leads (absent: never seen). */
export async function leadOwners(
  db: Db,
  connectionId: number,
  ids: readonly string[],
): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const known = await db
    .selectFrom('leads')
    .select(['external_id', 'owner_id'])
    .where('connection_id', '=', connectionId)
    .where('external_id', 'in', [...ids])
    .execute();
  return new Map(known.map((row) => [row.external_id, row.owner_id]));
}

const LEAD_COLUMNS: Columns<LeadInsert> = [
  ['connection_id', 'integer'],
  ['external_id', 'text'],
  ['email', 'text'],
  ['owner_id', 'text'],
  ['assigned_at', 'timestamptz'],
  ['score', 'numeric'],
  ['rating', 'text'],
  ['source', 'text'],
  ['status', 'text'],
  ['crm_created_at', 'timestamptz'],
  ['last_modified_at', 'timestamptz'],
  ['is_deleted', 'boolean'],
  ['deleted_at', 'timestamptz'],
];

const ASSIGNMENT_COLUMNS: Columns<LeadAssignmentInsert> = [
  ['connection_id', 'integer'],
  ['lead_id', 'text'],
  ['owner_id', 'text'],
  ['assigned_at', 'timestamptz'],
  ['source', 'text'],
];

/** Appends assignment facts not yet held, as the `a` step of a page's statement (see upsertLeads). */
const assignmentInsert = (rows: readonly LeadAssignmentInsert[]) =>
  sql`insert into lead_assignments (${columnList(ASSIGNMENT_COLUMNS)})
    select ${columnList(ASSIGNMENT_COLUMNS, 'a')} from ${unnestRows('a', ASSIGNMENT_COLUMNS, rows)}
    on conflict do nothing`;

/**
 * Upserts a page of leads and, in the same statement, appends `assignments` (facts already held
 * are kept): one round trip whatever the page's size. Returns the external ids inserted or
 * changed.
 */
export async function upsertLeads(
  trx: Db,
  rows: readonly LeadInsert[],
  assignments: readonly LeadAssignmentInsert[] = [],
): Promise<string[]> {
  if (rows.length === 0) {
    await recordLeadAssignments(trx, assignments);
    return [];
  }
  const result = await sql<{ external_id: string }>`with a as (${assignmentInsert(assignments)})
    insert into leads (${columnList(LEAD_COLUMNS)})
    select ${columnList(LEAD_COLUMNS.slice(0, -2), 'l')}, coalesce(l.is_deleted, false), l.deleted_at
    from ${unnestRows('l', LEAD_COLUMNS, rows)}
    on conflict (connection_id, external_id) do update set
      email = excluded.email, owner_id = excluded.owner_id, assigned_at = excluded.assigned_at,
      score = excluded.score, rating = excluded.rating, source = excluded.source, status = excluded.status,
      crm_created_at = excluded.crm_created_at, last_modified_at = excluded.last_modified_at,
      is_deleted = false, deleted_at = null, synced_at = now()
    where excluded.last_modified_at >= leads.last_modified_at
      and (leads.email, leads.owner_id, leads.assigned_at, leads.score, leads.rating, leads.source,
        leads.status, leads.crm_created_at, leads.last_modified_at, leads.is_deleted)
      is distinct from (excluded.email, excluded.owner_id, excluded.assigned_at, excluded.score,
        excluded.rating, excluded.source, excluded.status, excluded.crm_created_at,
        excluded.last_modified_at, false)
    returning external_id`.execute(trx);
  return result.rows.map((r) => r.external_id);
}

export async function recordLeadAssignments(trx: Db, rows: readonly LeadAssignmentInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await assignmentInsert(rows).execute(trx);
}

/** Soft-deletes the leads the CRM reported deleted; returns how many were not already. */
export async function markLeadsDeleted(
  trx: Db,
  connectionId: number,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable('leads')
    .set({ is_deleted: true, deleted_at: sql`now()`, synced_at: sql`now()` })
    .where('connection_id', '=', connectionId)
    .where('external_id', 'in', [...ids])
    .where('is_deleted', '=', false)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Soft-deletes every live lead absent from the session's `reconcile_ids` (see reconcile-ids.ts). */
export async function markLeadsMissing(trx: Db, connectionId: number): Promise<number> {
  const marked = await sql`update leads t set is_deleted = true, deleted_at = now(), synced_at = now()
    where t.connection_id = ${connectionId} and not t.is_deleted
      and not exists (select 1 from reconcile_ids r where r.external_id = t.external_id)`.execute(trx);
  return Number(marked.numAffectedRows ?? 0n);
}

/**
 * Reps (no queues) who received a lead since `since`, by email, with the local days of their
 * first and last lead in that span.
 */
export async function leadRecipientsSince(
  db: Db,
  connectionId: number,
  timeZone: string,
  since: string,
): Promise<{ email: string; active: boolean; first: string; last: string }[]> {
  const rows = await sql<{ email: string; active: boolean; first: string; last: string }>`
    select o.email, o.active,
           min((la.assigned_at at time zone ${timeZone})::date)::text as first,
           max((la.assigned_at at time zone ${timeZone})::date)::text as last
    from lead_assignments la
    join owners o on o.connection_id = la.connection_id and o.external_id = la.owner_id
    where la.connection_id = ${connectionId} and la.assigned_at >= ${since}::date
      and not o.is_queue and o.email is not null
    group by o.email, o.active
    order by o.email`.execute(db);
  return rows.rows;
}
