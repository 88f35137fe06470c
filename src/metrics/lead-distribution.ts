import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db.js';
import type { LeadCell } from './fairness-audit.js';
import { type QualityTier, qualityTierSql } from './lead-quality.js';

/**
 * The SQL side of the fairness audit: which lead counts for whom in a period, aggregated per
 * rep, day and quality tier in Postgres so Node only sees (reps × days × tiers) rows.
 */
export interface AuditWindow {
  readonly connectionId: number;
  readonly timeZone: string;
  /** Period bounds, local calendar dates, inclusive. */
  readonly start: string;
  readonly end: string;
  /** Nothing assigned after this instant counts. */
  readonly asOf: Date;
}

/**
 * Every owner assignment in the window, plus the lead record's own owner where the lead has no
 * assignment row at all (source 'lead_record'). Queues are not reps: their rows are kept for
 * the CSV trail but never counted.
 */
function assignmentsSql(w: AuditWindow): RawBuilder<unknown> {
  const from = sql`(${w.start}::date::timestamp at time zone ${w.timeZone})`;
  const to = sql`((${w.end}::date + 1)::timestamp at time zone ${w.timeZone})`;
  return sql`
    select la.lead_id, la.owner_id, la.assigned_at, la.source::text as source
    from lead_assignments la
    where la.connection_id = ${w.connectionId}
      and la.assigned_at >= ${from} and la.assigned_at < ${to} and la.assigned_at <= ${w.asOf}
    union all
    select l.external_id, l.owner_id, l.assigned_at, 'lead_record'
    from leads l
    where l.connection_id = ${w.connectionId} and l.owner_id is not null
      and l.assigned_at >= ${from} and l.assigned_at < ${to} and l.assigned_at <= ${w.asOf}
      and not exists (
        select 1 from lead_assignments la
        where la.connection_id = l.connection_id and la.lead_id = l.external_id)`;
}

/**
 * A lead counts for the first non-queue owner it was assigned to within the period (DESIGN §5);
 * deleted leads are left out. Yields lead_id, owner_id, assigned_at, source, day (index from the
 * period start, local time zone) and tier.
 */
function countedSql(w: AuditWindow): RawBuilder<unknown> {
  return sql`
    with candidates as (${assignmentsSql(w)}),
    firsts as (
      select distinct on (c.lead_id) c.lead_id, c.owner_id, c.assigned_at, c.source
      from candidates c
      left join owners o on o.connection_id = ${w.connectionId} and o.external_id = c.owner_id
      where not coalesce(o.is_queue, false)
      order by c.lead_id, c.assigned_at, c.owner_id
    )
    select f.lead_id, f.owner_id, f.assigned_at, f.source,
      ((f.assigned_at at time zone ${w.timeZone})::date - ${w.start}::date) as day,
      ${qualityTierSql('l')} as tier
    from firsts f
    left join leads l on l.connection_id = ${w.connectionId} and l.external_id = f.lead_id
    where not coalesce(l.is_deleted, false)`;
}

/**
 * The counted leads as `countedSql` defines them, written for the staged table: the first
 * assignment per lead comes straight off the primary key (connection_id, lead_id, assigned_at,
 * owner_id), already in DISTINCT ON order, so no sort of every assignment in the period (it
 * spilled to disk at a million leads). Queues are filtered by NOT IN, a hashed filter that keeps
 * the index order (an anti join would not). The lead-record fallback covers leads with no
 * assignment row at all, so the two branches never share a lead and need no DISTINCT ON across
 * them. No `source` column: neither reading of the staged table uses it.
 */
function stagedCountedSql(w: AuditWindow): RawBuilder<unknown> {
  const from = sql`(${w.start}::date::timestamp at time zone ${w.timeZone})`;
  const to = sql`((${w.end}::date + 1)::timestamp at time zone ${w.timeZone})`;
  const queues = sql`(select o.external_id from owners o where o.connection_id = ${w.connectionId} and o.is_queue)`;
  return sql`
    with firsts as (
      (select distinct on (la.lead_id) la.lead_id, la.owner_id, la.assigned_at
      from lead_assignments la
      where la.connection_id = ${w.connectionId}
        and la.assigned_at >= ${from} and la.assigned_at < ${to} and la.assigned_at <= ${w.asOf}
        and la.owner_id not in ${queues}
      order by la.lead_id, la.assigned_at, la.owner_id)
      union all
      select l.external_id, l.owner_id, l.assigned_at
      from leads l
      where l.connection_id = ${w.connectionId} and l.owner_id is not null
        and l.assigned_at >= ${from} and l.assigned_at < ${to} and l.assigned_at <= ${w.asOf}
        and l.owner_id not in ${queues}
        and not exists (
          select 1 from lead_assignments la
          where la.connection_id = l.connection_id and la.lead_id = l.external_id)
    )
    select f.lead_id, f.owner_id, f.assigned_at,
      ((f.assigned_at at time zone ${w.timeZone})::date - ${w.start}::date) as day,
      ${qualityTierSql('l')} as tier
    from firsts f
    left join leads l on l.connection_id = ${w.connectionId} and l.external_id = f.lead_id
    where not coalesce(l.is_deleted, false)`;
}

/**
 * Materialises the counted leads of the window once, for the audit's two reads of them (the
 * cells, then the evidence behind the flagged cells): the first-assignment query is the audit's
 * most expensive step, and it used to run twice. A temporary table, so it lives only in the
 * caller's transaction and is dropped at its end.
 */
export async function stageCountedLeads(trx: Db, w: AuditWindow): Promise<void> {
  await sql`drop table if exists counted_leads`.execute(trx);
  // Postgres estimates a DISTINCT ON at a few hundred rows, so it would fetch every counted lead's
  // record by a nested loop of index probes (2 s of 4.3 at a million leads); a hash join of the
  // two scans takes 0.5 s. Off for this one statement only.
  await sql`set local enable_nestloop = off`.execute(trx);
  await sql`create temp table counted_leads on commit drop as ${stagedCountedSql(w)}`.execute(trx);
  await sql`set local enable_nestloop = on`.execute(trx);
  // Without statistics the planner guesses a few rows and joins the evidence by nested loop.
  await sql`analyze counted_leads`.execute(trx);
}

/** Per (rep, day, tier) counts of the staged counted leads. */
export async function countLeadsByRepDay(trx: Db): Promise<LeadCell[]> {
  const result = await sql<{ owner_id: string; day: number; tier: QualityTier; count: number }>`
    select owner_id, day, tier, count(*)::int as count
    from counted_leads
    group by owner_id, day, tier`.execute(trx);
  return result.rows.map((row) => ({
    ownerId: row.owner_id,
    day: row.day,
    tier: row.tier,
    count: row.count,
  }));
}

export interface CountedLead {
  readonly leadId: string;
  readonly ownerId: string;
  readonly assignedAt: Date;
  readonly day: number;
}

/** The individual staged leads behind (rep, day) cells: the evidence for "outside the rotation" flags. */
export async function countedLeadsIn(
  trx: Db,
  cells: readonly { readonly ownerId: string; readonly day: number }[],
): Promise<CountedLead[]> {
  if (cells.length === 0) return [];
  const owners = cells.map((c) => c.ownerId);
  const days = cells.map((c) => c.day);
  const result = await sql<{ lead_id: string; owner_id: string; assigned_at: Date; day: number }>`
    select counted.lead_id, counted.owner_id, counted.assigned_at, counted.day
    from counted_leads counted
    join unnest(${owners}::text[], ${days}::int[]) as wanted(owner_id, day)
      on wanted.owner_id = counted.owner_id and wanted.day = counted.day
    order by counted.assigned_at, counted.lead_id`.execute(trx);
  return result.rows.map((row) => ({
    leadId: row.lead_id,
    ownerId: row.owner_id,
    assignedAt: row.assigned_at,
    day: row.day,
  }));
}

export interface AssignmentRow {
  readonly leadId: string;
  readonly ownerId: string;
  readonly ownerEmail: string | null;
  readonly assignedAt: Date;
  readonly source: string;
  readonly day: number;
  readonly tier: QualityTier;
  readonly score: string | null;
  readonly rating: string | null;
  readonly isQueue: boolean;
  /** This assignment is the one the lead counts for in the period. */
  readonly counted: boolean;
}

/** Every assignment in the window, one row each, for `audit leads --csv`. */
export async function assignmentTrail(db: Db, w: AuditWindow): Promise<AssignmentRow[]> {
  const result = await sql<{
    lead_id: string;
    owner_id: string;
    owner_email: string | null;
    assigned_at: Date;
    source: string;
    day: number;
    tier: QualityTier;
    score: string | null;
    rating: string | null;
    is_queue: boolean;
    counted: boolean;
  }>`
    with candidates as (${assignmentsSql(w)}),
    counted as (${countedSql(w)})
    select c.lead_id, c.owner_id, o.email as owner_email, c.assigned_at, c.source,
      ((c.assigned_at at time zone ${w.timeZone})::date - ${w.start}::date) as day,
      ${qualityTierSql('l')} as tier, l.score::text as score, l.rating,
      coalesce(o.is_queue, false) as is_queue,
      exists (select 1 from counted k
        where k.lead_id = c.lead_id and k.owner_id = c.owner_id and k.assigned_at = c.assigned_at) as counted
    from candidates c
    left join leads l on l.connection_id = ${w.connectionId} and l.external_id = c.lead_id
    left join owners o on o.connection_id = ${w.connectionId} and o.external_id = c.owner_id
    order by c.assigned_at, c.lead_id, c.owner_id`.execute(db);
  return result.rows.map((row) => ({
    leadId: row.lead_id,
    ownerId: row.owner_id,
    ownerEmail: row.owner_email,
    assignedAt: row.assigned_at,
    source: row.source,
    day: row.day,
    tier: row.tier,
    score: row.score,
    rating: row.rating,
    isQueue: row.is_queue,
    counted: row.counted,
  }));
}

export interface OwnerInfo {
  readonly externalId: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly active: boolean;
  readonly isQueue: boolean;
}

export async function loadOwners(db: Db, connectionId: number): Promise<Map<string, OwnerInfo>> {
  const rows = await db
    .selectFrom('owners')
    .select(['external_id', 'email', 'first_name', 'last_name', 'active', 'is_queue', 'is_deleted'])
    .where('connection_id', '=', connectionId)
    .execute();
  return new Map(
    rows.map((row) => [
      row.external_id,
      {
        externalId: row.external_id,
        email: row.email,
        name: [row.first_name, row.last_name].filter(Boolean).join(' ') || null,
        active: row.active && !row.is_deleted,
        isQueue: row.is_queue,
      },
    ]),
  );
}

export interface SettingWindow {
  readonly ownerId: string;
  readonly weight: number;
  readonly from: string | null;
  readonly to: string | null;
}

/** null when no rep settings were ever imported for the connection (equal-weight rotation). */
export async function loadSettingWindows(
  db: Db,
  w: Pick<AuditWindow, 'connectionId' | 'start' | 'end'>,
): Promise<SettingWindow[] | null> {
  const any = await db
    .selectFrom('owner_settings')
    .select('id')
    .where('connection_id', '=', w.connectionId)
    .limit(1)
    .executeTakeFirst();
  if (!any) return null;
  const rows = await db
    .selectFrom('owner_settings')
    .select(['owner_id', 'lead_weight', 'available_from', 'available_to'])
    .where('connection_id', '=', w.connectionId)
    .where((eb) => eb.or([eb('available_from', 'is', null), eb('available_from', '<=', w.end)]))
    .where((eb) => eb.or([eb('available_to', 'is', null), eb('available_to', '>=', w.start)]))
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    ownerId: row.owner_id,
    weight: Number(row.lead_weight),
    from: row.available_from,
    to: row.available_to,
  }));
}
