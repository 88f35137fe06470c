import { sql, type Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database, WriteOutcome } from './tables.js';

/**
 * The routing tables — `routing_rules` and `routing_decisions` — are written here and nowhere
 * else (DESIGN §11). What a decision means is the route stage's (src/route/); this module stores
 * and reads it. The decision row is the claim on a lead: once a row with a chosen owner exists,
 * the lead is never offered to the rotation again.
 */
type Trx = Transaction<Database>;

export interface StoredRules {
  readonly hash: string;
  readonly rules: unknown;
  readonly installedAt: Date;
  /** When routing was first enabled on the connection: leads created before it are never routed. */
  readonly routingSince: Date;
}

/**
 * Installs a rules version and makes it the active one. Installing the active version again
 * changes nothing (the install time stays, so no lead's eligibility moves).
 */
export async function installRoutingRules(
  db: Db,
  connectionId: number,
  hash: string,
  rules: unknown,
): Promise<{ readonly changed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const active = await trx
      .selectFrom('routing_rules')
      .select('hash')
      .where('connection_id', '=', connectionId)
      .where('active', '=', true)
      .forUpdate()
      .executeTakeFirst();
    if (active?.hash === hash) return { changed: false };
    await trx
      .updateTable('routing_rules')
      .set({ active: false })
      .where('connection_id', '=', connectionId)
      .where('active', '=', true)
      .execute();
    await trx
      .insertInto('routing_rules')
      .values({ connection_id: connectionId, hash, rules: JSON.stringify(rules), active: true })
      .onConflict((oc) => oc.columns(['connection_id', 'hash']).doUpdateSet({ active: true }))
      .execute();
    return { changed: true };
  });
}

export async function activeRoutingRules(db: Db, connectionId: number): Promise<StoredRules | null> {
  const row = await db
    .selectFrom('routing_rules as r')
    .select((eb) => [
      'r.hash',
      'r.rules',
      'r.installed_at',
      eb
        .selectFrom('routing_rules as f')
        .select((f) => f.fn.min('f.installed_at').as('since'))
        .whereRef('f.connection_id', '=', 'r.connection_id')
        .as('since'),
    ])
    .where('r.connection_id', '=', connectionId)
    .where('r.active', '=', true)
    .executeTakeFirst();
  if (!row) return null;
  return {
    hash: row.hash,
    rules: row.rules,
    installedAt: row.installed_at,
    routingSince: (row.since as Date | null) ?? row.installed_at,
  };
}

/** A lead row as routing reads it. */
export interface RoutingLeadRow {
  readonly externalId: string;
  readonly email: string | null;
  readonly ownerId: string | null;
  readonly score: string | null;
  readonly rating: string | null;
  readonly source: string | null;
  readonly status: string | null;
  readonly createdAt: Date;
}

const leadColumns = sql`l.external_id as "externalId", l.email, l.owner_id as "ownerId", l.score::text as score,
  l.rating, l.source, l.status, l.crm_created_at as "createdAt"`;

/** An owner that counts as "nobody" for routing: no owner, a queue, or one listed in routeFrom. */
export const unownedBy = (alias: string, routeFrom: readonly string[]) =>
  sql`(${sql.ref(`${alias}.is_queue`)} or lower(${sql.ref(`${alias}.email`)}) = any(${[...routeFrom]}::text[]))`;

/**
 * Leads the rotation may take (DESIGN §11): created since routing was enabled, not deleted,
 * without a rep owner now, never decided with a chosen owner, and never owned by a rep before (a
 * lead someone assigned by hand and then put back in a queue stays theirs to deal with).
 * Oldest first, so the rotation sees them in the order they arrived.
 */
export async function routingCandidates(
  db: Db,
  connectionId: number,
  since: Date,
  routeFrom: readonly string[],
): Promise<RoutingLeadRow[]> {
  const c = connectionId;
  const { rows } = await sql<RoutingLeadRow>`
    select ${leadColumns}
    from leads l
    left join owners o on o.connection_id = l.connection_id and o.external_id = l.owner_id
    -- CRMs stamp creation to the second (Salesforce CreatedDate): a lead of the install's own
    -- second came after it as far as anyone can tell.
    where l.connection_id = ${c} and not l.is_deleted
      and l.crm_created_at >= date_trunc('second', ${since}::timestamptz)
      and (l.owner_id is null or ${unownedBy('o', routeFrom)})
      and not exists (select 1 from routing_decisions d
        where d.connection_id = ${c} and d.lead_id = l.external_id and d.chosen_owner_id is not null)
      and not exists (select 1 from lead_assignments la
        join owners ao on ao.connection_id = la.connection_id and ao.external_id = la.owner_id
        where la.connection_id = ${c} and la.lead_id = l.external_id and not ${unownedBy('ao', routeFrom)})
    order by l.crm_created_at, l.external_id`.execute(db);
  return rows;
}

/** A lead of the current period as the rotation counts it: who has it, and which pool routed it. */
export interface ReceivedLeadRow extends RoutingLeadRow {
  /** The rep who has it: a hand assignment wins over the decision's owner (and counts for them). */
  readonly receivedBy: string | null;
  readonly decidedPool: string | null;
}

/** Leads created in [start, before) that a rep received, routed or by hand, oldest first. */
export async function receivedLeads(
  db: Db,
  connectionId: number,
  start: Date,
  before: Date,
  routeFrom: readonly string[],
): Promise<ReceivedLeadRow[]> {
  const rows = await leadsCreatedIn(db, connectionId, start, before, routeFrom);
  return rows.filter((r) => r.receivedBy !== null);
}

/**
 * Every lead created in [start, before), oldest first, with the rep who has it (null: nobody
 * yet). `route simulate` replays them all: a lead nobody took is still one the rules would route.
 */
export async function leadsCreatedIn(
  db: Db,
  connectionId: number,
  start: Date,
  before: Date,
  routeFrom: readonly string[],
): Promise<ReceivedLeadRow[]> {
  const c = connectionId;
  const { rows } = await sql<ReceivedLeadRow>`
    select ${leadColumns},
      case when l.owner_id is not null and o.external_id is not null and not ${unownedBy('o', routeFrom)}
        then l.owner_id else d.chosen_owner_id end as "receivedBy",
      d.pool as "decidedPool"
    from leads l
    left join owners o on o.connection_id = l.connection_id and o.external_id = l.owner_id
    left join lateral (select rd.chosen_owner_id, rd.pool from routing_decisions rd
      where rd.connection_id = ${c} and rd.lead_id = l.external_id and rd.chosen_owner_id is not null
      order by rd.hop desc limit 1) d on true
    where l.connection_id = ${c} and not l.is_deleted
      and l.crm_created_at >= ${start} and l.crm_created_at < ${before}
    order by l.crm_created_at, l.external_id`.execute(db);
  return rows;
}

export interface RoutingOwnerRow {
  readonly ownerId: string;
  readonly email: string;
  readonly active: boolean;
  readonly isQueue: boolean;
  readonly windows: readonly {
    weight: number;
    from: string | null;
    to: string | null;
    /** `HH:MM-HH:MM` (null: all day) in `timeZone` (null: the connection's). */
    hours: string | null;
    timeZone: string | null;
  }[];
}

/** Every owner with an email, with their rep-settings windows and working hours (empty: none set). */
export async function routingOwners(db: Db, connectionId: number): Promise<RoutingOwnerRow[]> {
  const { rows } = await sql<RoutingOwnerRow>`
    select o.external_id as "ownerId", lower(o.email) as email, o.active, o.is_queue as "isQueue",
      coalesce((select jsonb_agg(jsonb_build_object('weight', s.lead_weight::float8,
          'from', s.available_from::text, 'to', s.available_to::text, 'hours', s.working_hours,
          'timeZone', s.time_zone) order by s.available_from nulls first)
        from owner_settings s where s.connection_id = o.connection_id and s.owner_id = o.external_id),
        '[]'::jsonb) as windows
    from owners o
    where o.connection_id = ${connectionId} and o.email is not null and not o.is_deleted
    order by lower(o.email)`.execute(db);
  return rows;
}

/**
 * Company domain (lower-cased, without `www.`) → the owner of its open deal, for account
 * matching (DESIGN §11): the most recently changed open deal wins when a company has several;
 * deals of inactive owners and queues are skipped.
 */
export async function accountOwners(
  db: Db,
  connectionId: number,
): Promise<Map<string, { readonly email: string; readonly ownerId: string }>> {
  const c = connectionId;
  const { rows } = await sql<{ domain: string; email: string; ownerId: string }>`
    select distinct on (1) regexp_replace(lower(trim(d.account_domain)), '^www\.', '') as domain,
      lower(o.email) as email, o.external_id as "ownerId"
    from deals d
    join owners o on o.connection_id = d.connection_id and o.external_id = d.owner_id
    left join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
    where d.connection_id = ${c} and d.account_domain is not null and not d.is_deleted
      and not coalesce(s.is_closed, false)
      and o.active and not o.is_queue and not o.is_deleted and o.email is not null
    order by 1, d.last_modified_at desc, d.external_id`.execute(db);
  return new Map(rows.map((r) => [r.domain, { email: r.email, ownerId: r.ownerId }]));
}

/** A routed lead the SLA may re-route: its latest routed hop, written, still with that owner. */
export interface SlaCandidateRow extends RoutingLeadRow {
  readonly pool: string;
  readonly hop: number;
  readonly chosenOwnerId: string;
  readonly ownerWrittenAt: Date;
  /** Everyone routing gave the lead so far, first hop first (lower-cased emails). */
  readonly previousOwners: readonly string[];
}

/**
 * Leads decided since `since` in one of `pools` whose latest routed hop was written to the CRM
 * and not touched since: the lead still has that owner (a person who moved it decided for us)
 * and its status is the one stored with the decision. Decisions stored without a status (before
 * SLA re-routing existed) are never re-routed: nobody can tell whether they were touched.
 */
export async function slaCandidates(
  db: Db,
  connectionId: number,
  pools: readonly string[],
  since: Date,
): Promise<SlaCandidateRow[]> {
  if (pools.length === 0) return [];
  const c = connectionId;
  const { rows } = await sql<SlaCandidateRow>`
    select ${leadColumns}, d.pool, d.hop, d.chosen_owner_id as "chosenOwnerId",
      d.owner_written_at as "ownerWrittenAt",
      array(select lower(x.chosen_email) from routing_decisions x
        where x.connection_id = ${c} and x.lead_id = d.lead_id and x.chosen_email is not null
        order by x.hop) as "previousOwners"
    from (select distinct on (rd.lead_id) rd.* from routing_decisions rd
      where rd.connection_id = ${c} and rd.chosen_owner_id is not null and rd.decided_at >= ${since}
      order by rd.lead_id, rd.hop desc) d
    join leads l on l.connection_id = d.connection_id and l.external_id = d.lead_id
    where d.pool = any(${[...pools]}::text[]) and d.write_outcome = 'written'
      and d.owner_written_at is not null and not l.is_deleted
      and l.owner_id = d.chosen_owner_id
      and d.detail ? 'status' and l.status is not distinct from (d.detail->>'status')
    order by d.owner_written_at, d.lead_id`.execute(db);
  return rows;
}

export interface DecisionInsert {
  readonly leadId: string;
  readonly hop: number;
  readonly decidedAt: Date;
  readonly rulesHash: string;
  readonly pool: string;
  readonly kind: 'rotation' | 'account' | 'sla_reroute';
  readonly members: unknown;
  readonly chosenOwnerId: string | null;
  readonly chosenEmail: string | null;
  readonly unroutedReason: string | null;
  readonly detail: Record<string, unknown>;
  readonly leadCreatedAt: Date;
}

/**
 * Stores decisions and, in the same transaction, whatever `within` adds (the owner writes into
 * the outbox). A decision that already chose an owner is never replaced; an unrouted one is
 * replaced by the next attempt (the lead waits for an eligible member). Returns the lead ids
 * whose decision with an owner was stored by this call (a retry stores none twice).
 */
export async function saveDecisions(
  db: Db,
  connectionId: number,
  runId: number | null,
  decisions: readonly DecisionInsert[],
  within: (trx: Trx, claimed: ReadonlySet<string>) => Promise<void>,
): Promise<ReadonlySet<string>> {
  if (decisions.length === 0) return new Set();
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .insertInto('routing_decisions')
      .values(
        decisions.map((d) => ({
          connection_id: connectionId,
          lead_id: d.leadId,
          hop: d.hop,
          decided_at: d.decidedAt,
          run_id: runId,
          rules_hash: d.rulesHash,
          pool: d.pool,
          kind: d.kind,
          members: JSON.stringify(d.members),
          chosen_owner_id: d.chosenOwnerId,
          chosen_email: d.chosenEmail,
          unrouted_reason: d.unroutedReason,
          detail: JSON.stringify(d.detail),
          lead_created_at: d.leadCreatedAt,
          write_outcome: (d.chosenOwnerId === null ? 'unrouted' : 'pending') as WriteOutcome,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['connection_id', 'lead_id', 'hop'])
          .doUpdateSet((eb) => ({
            decided_at: eb.ref('excluded.decided_at'),
            run_id: eb.ref('excluded.run_id'),
            rules_hash: eb.ref('excluded.rules_hash'),
            pool: eb.ref('excluded.pool'),
            kind: eb.ref('excluded.kind'),
            members: eb.ref('excluded.members'),
            chosen_owner_id: eb.ref('excluded.chosen_owner_id'),
            chosen_email: eb.ref('excluded.chosen_email'),
            unrouted_reason: eb.ref('excluded.unrouted_reason'),
            detail: eb.ref('excluded.detail'),
            write_outcome: eb.ref('excluded.write_outcome'),
          }))
          .where('routing_decisions.chosen_owner_id', 'is', null),
      )
      .returning(['lead_id', 'chosen_owner_id'])
      .execute();
    const claimed = new Set(rows.filter((r) => r.chosen_owner_id !== null).map((r) => r.lead_id));
    await within(trx, claimed);
    return claimed;
  });
}

/** What the push stage learnt when it wrote lead owners (called inside its batch transaction). */
export async function recordOwnerWriteOutcomes(
  trx: Trx,
  connectionId: number,
  acks: readonly { readonly record_id: string; readonly ok: boolean; readonly reason: string | null }[],
): Promise<void> {
  await sql`
    with a as (select * from jsonb_to_recordset(${JSON.stringify(acks)}::jsonb) as a(record_id text, ok boolean, reason text)),
    latest as (select distinct on (d.lead_id) d.lead_id, d.hop from routing_decisions d join a on a.record_id = d.lead_id
      where d.connection_id = ${connectionId} and d.chosen_owner_id is not null order by d.lead_id, d.hop desc)
    update routing_decisions d
    set write_outcome = case when a.ok then 'written' else 'rejected' end,
        write_error = case when a.ok then null else a.reason end,
        owner_written_at = case when a.ok then now() else d.owner_written_at end,
        speed_to_lead_seconds = case when a.ok and d.lead_created_at is not null
          then round(extract(epoch from now() - d.lead_created_at)::numeric, 3) else d.speed_to_lead_seconds end
    from a, latest
    where d.connection_id = ${connectionId} and d.lead_id = a.record_id
      and latest.lead_id = d.lead_id and latest.hop = d.hop
      and d.write_outcome <> 'written'`.execute(trx);
}
