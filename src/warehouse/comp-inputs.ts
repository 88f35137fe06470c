import { sql } from 'kysely';
import type { Db } from '../db.js';
import { effectiveQuotasSql } from './quotas.js';

/**
 * What a comp statement is computed from, read from the tables the pull and the imports wrote
 * (DESIGN §12): credited closed-won deals, quotas, owners' emails and team names. No table is
 * written here.
 *
 * Credit follows the attainment rule of src/metrics/attainment-credits.ts (the owner when the
 * deal entered its closed stage, or the split owners by percent), repeated here because a stage
 * may not import another; the two must stay one definition (see the test of the comp step).
 */
export interface CreditRow {
  readonly owner_id: string;
  readonly deal_id: string;
  readonly name: string | null;
  readonly close_date: string;
  /** Whole amount of the deal, home currency, as numeric text. */
  readonly amount: string;
  /** The split percent, null without splits (the whole deal). */
  readonly percent: string | null;
}

/** Credited closed-won deals with a close date in [from, to], per crediting owner. */
export async function creditedDeals(
  db: Db,
  connectionId: number,
  from: string,
  to: string,
): Promise<CreditRow[]> {
  const c = connectionId;
  const rows = await sql<CreditRow>`
    with won as (
      select d.external_id as deal_id, d.name, d.close_date::text as close_date,
             coalesce(d.amount_home, d.amount, 0) as amount,
             coalesce((
               select nullif(h.value, '')
               from deal_history h
               where h.connection_id = ${c} and h.deal_id = d.external_id and h.field = 'owner'
                 and h.changed_at <= (
                   select max(steps.changed_at)
                   from (
                     select sh.changed_at, coalesce(hs.is_closed, false) as is_closed,
                            lag(coalesce(hs.is_closed, false)) over (order by sh.changed_at) as was_closed
                     from deal_history sh
                     left join stages hs on hs.connection_id = sh.connection_id and hs.external_id = sh.value
                     where sh.connection_id = ${c} and sh.deal_id = d.external_id and sh.field = 'stage'
                   ) steps
                   where steps.is_closed and steps.was_closed is not true)
               order by h.changed_at desc
               limit 1), d.owner_id) as owner_id
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
      where d.connection_id = ${c} and not d.is_deleted and s.is_closed and s.is_won
        and d.close_date between ${from}::date and ${to}::date
    )
    select coalesce(sp.owner_id, w.owner_id) as owner_id, w.deal_id, w.name, w.close_date,
           w.amount::text as amount, sp.percent::text as percent
    from won w
    left join deal_splits sp on sp.connection_id = ${c} and sp.deal_id = w.deal_id and sp.percent > 0
    where coalesce(sp.owner_id, w.owner_id) is not null
    order by 1, w.deal_id`.execute(db);
  return rows.rows;
}

/** Quotas over [start, end] (CSV over CRM per month): by owner and, explicit ones, by team. */
export async function quotasOver(
  db: Db,
  connectionId: number,
  start: string,
  end: string,
): Promise<{ byOwner: Map<string, string>; byTeam: Map<string, string> }> {
  const rows = await sql<{ owner_id: string | null; team_id: string | null; quota: string }>`
    select owner_id, team_id, quota::text as quota
    from (${effectiveQuotasSql(connectionId, start, end)}) q`.execute(db);
  const byOwner = new Map<string, string>();
  const byTeam = new Map<string, string>();
  for (const row of rows.rows) {
    if (row.owner_id !== null) byOwner.set(row.owner_id, row.quota);
    else if (row.team_id !== null) byTeam.set(row.team_id, row.quota);
  }
  return { byOwner, byTeam };
}

/** Owners by external id with their email (lower-cased at pull), and teams by id with names. */
export async function compDirectory(
  db: Db,
  connectionId: number,
): Promise<{ emails: Map<string, string>; teamNames: Map<string, string> }> {
  const owners = await db
    .selectFrom('owners')
    .select(['external_id', 'email'])
    .where('connection_id', '=', connectionId)
    .where('email', 'is not', null)
    .execute();
  const teams = await db
    .selectFrom('teams')
    .select(['external_id', 'name'])
    .where('connection_id', '=', connectionId)
    .execute();
  return {
    emails: new Map(owners.map((o) => [o.external_id, o.email as string])),
    teamNames: new Map(teams.map((t) => [t.external_id, t.name])),
  };
}

export interface DealState {
  readonly state: 'won' | 'lost' | 'open' | 'deleted';
  readonly closeDate: string | null;
}

/** What a deal is now, for restating a closed period: gone, lost, or still won. */
export async function dealStates(
  db: Db,
  connectionId: number,
  dealIds: readonly string[],
): Promise<Map<string, DealState>> {
  if (dealIds.length === 0) return new Map();
  const rows = await sql<{ deal_id: string; state: DealState['state']; close_date: string | null }>`
    select d.external_id as deal_id, d.close_date::text as close_date,
           case when d.is_deleted then 'deleted' when s.is_won then 'won'
                when s.is_closed then 'lost' else 'open' end as state
    from deals d
    left join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
    where d.connection_id = ${connectionId} and d.external_id = any(${[...dealIds]}::text[])`.execute(db);
  const out = new Map<string, DealState>(
    rows.rows.map((r) => [r.deal_id, { state: r.state, closeDate: r.close_date }]),
  );
  // A deal the warehouse no longer holds at all was purged: as good as deleted.
  for (const id of dealIds) if (!out.has(id)) out.set(id, { state: 'deleted', closeDate: null });
  return out;
}
