import { sql } from 'kysely';
import type { Db } from '../db.js';
import { type DecisionInsert, unownedBy } from './routing-tables.js';
import type { WriteOutcome } from './tables.js';

/**
 * Reading `routing_decisions` for the surfaces of routing (`route explain`, `route report`, the
 * lead audit's routing section); routing-tables.ts owns the writes.
 */
/** A decision as stored, with what became of its write. */
export interface StoredDecision extends Omit<DecisionInsert, 'leadCreatedAt'> {
  readonly writeOutcome: WriteOutcome;
  readonly writeError: string | null;
  readonly ownerWrittenAt: Date | null;
  readonly speedToLeadSeconds: number | null;
  /** The lead's owner in the warehouse now. */
  readonly currentOwnerId: string | null;
  readonly currentOwnerEmail: string | null;
}

/** Every decision of one lead, first hop first. */
export async function leadDecisions(db: Db, connectionId: number, leadId: string): Promise<StoredDecision[]> {
  const { rows } = await sql<StoredDecision>`
    select d.lead_id as "leadId", d.hop, d.decided_at as "decidedAt", d.rules_hash as "rulesHash", d.pool,
      d.kind, d.members, d.chosen_owner_id as "chosenOwnerId", d.chosen_email as "chosenEmail",
      d.unrouted_reason as "unroutedReason", d.detail, d.write_outcome as "writeOutcome",
      d.write_error as "writeError", d.owner_written_at as "ownerWrittenAt",
      d.speed_to_lead_seconds::float8 as "speedToLeadSeconds",
      l.owner_id as "currentOwnerId", lower(o.email) as "currentOwnerEmail"
    from routing_decisions d
    left join leads l on l.connection_id = d.connection_id and l.external_id = d.lead_id
    left join owners o on o.connection_id = l.connection_id and o.external_id = l.owner_id
    where d.connection_id = ${connectionId} and d.lead_id = ${leadId}
    order by d.hop`.execute(db);
  return rows;
}

export interface RoutedLeadRow {
  readonly leadId: string;
  readonly pool: string;
  readonly chosenEmail: string;
  readonly writeOutcome: WriteOutcome;
  readonly speedToLeadSeconds: number | null;
  /** The rep who has the lead now, when a person moved it away from the routed owner. */
  readonly overriddenTo: string | null;
  /** Every member's standing at the decision (for the expected share). */
  readonly members: unknown;
}

/** The last routed decision of each lead decided in [start, before). */
export async function routedLeads(
  db: Db,
  connectionId: number,
  start: Date,
  before: Date,
  routeFrom: readonly string[],
): Promise<RoutedLeadRow[]> {
  const c = connectionId;
  const { rows } = await sql<RoutedLeadRow>`
    select distinct on (d.lead_id) d.lead_id as "leadId", d.pool, d.chosen_email as "chosenEmail",
      d.write_outcome as "writeOutcome", d.speed_to_lead_seconds::float8 as "speedToLeadSeconds",
      case when d.write_outcome = 'written' and l.owner_id is distinct from d.chosen_owner_id
        and o.external_id is not null and not ${unownedBy('o', routeFrom)} then lower(o.email) end as "overriddenTo",
      d.members
    from routing_decisions d
    left join leads l on l.connection_id = d.connection_id and l.external_id = d.lead_id
    left join owners o on o.connection_id = l.connection_id and o.external_id = l.owner_id
    where d.connection_id = ${c} and d.chosen_owner_id is not null
      and d.decided_at >= ${start} and d.decided_at < ${before}
    order by d.lead_id, d.hop desc`.execute(db);
  return rows;
}

/** Leads left unrouted (nobody eligible at their first decision), decided in [start, before). */
export async function unroutedCount(
  db: Db,
  connectionId: number,
  start: Date,
  before: Date,
): Promise<number> {
  const row = await db
    .selectFrom('routing_decisions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('connection_id', '=', connectionId)
    .where('chosen_owner_id', 'is', null)
    // A re-route that found nobody leaves the lead with its owner: it is not an unrouted lead.
    .where('hop', '=', 0)
    .where('decided_at', '>=', start)
    .where('decided_at', '<', before)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
