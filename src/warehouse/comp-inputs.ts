import { sql } from 'kysely';
import type { Db } from '../db.js';
import { closedDealsSql } from './deal-credits.js';
import { effectiveQuotasSql } from './quotas.js';

/**
 * What a comp statement is computed from, read from the tables the pull and the imports wrote
 * (DESIGN §12): credited closed-won deals, quotas, owners' emails and team names. No table is
 * written here.
 *
 * Credit is the one rule of deal-credits.ts (the owner when the deal entered its closed stage,
 * or the split owners by percent), the same SQL attainment reads.
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
    select coalesce(sp.owner_id, w.owner_id) as owner_id, w.deal_id, d.name, w.close_date::text as close_date,
           w.amount::text as amount, sp.percent::text as percent
    from (${closedDealsSql({ connectionId: c, from, to, wonOnly: true })}) w
    join deals d on d.connection_id = ${c} and d.external_id = w.deal_id
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
