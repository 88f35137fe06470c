import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * The SQL building blocks shared by attainment, rep comparison and the compute stage, so reports
 * and the values pushed to the CRM come from one definition.
 *
 * Who closed a deal: the owner at the moment the deal entered its current closed stage (the
 * last transition from a not-closed stage, or from nothing, into a closed one in `deal_history`),
 * i.e. the latest owner change at or before that moment. With no stage history, or no owner
 * change at or before it, the deal's current owner. This is Salesforce's rule for the
 * Opportunity owner at close (later reassignment — a rep leaving — does not move credit) and
 * HubSpot's "deal owner at close" goal attribution. Connectors should record the owner a deal
 * was created with as an owner row at creation time; without it a deal reassigned after it was
 * won falls back to its current owner.
 *
 * Money: `amount_home` (converted at the CRM's rates), else `amount`, else 0.
 */
export interface ClosedDealsRange {
  readonly connectionId: number;
  /** Inclusive local close dates. */
  readonly from: string;
  readonly to: string;
  /** Only deals in won stages. */
  readonly wonOnly: boolean;
}

/**
 * Closed deals with `close_date` in [from, to]. Columns: deal_id, pipeline_id, is_won, amount,
 * close_date, crm_created_at, owner_id (the closing owner, see above).
 */
export function closedDealsSql(range: ClosedDealsRange): RawBuilder<unknown> {
  const c = range.connectionId;
  return sql`
    with closed as materialized (
      select d.external_id as deal_id, coalesce(d.pipeline_id, s.pipeline_id) as pipeline_id, s.is_won,
             coalesce(d.amount_home, d.amount, 0) as amount,
             d.close_date, d.crm_created_at, d.owner_id as current_owner
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
      where d.connection_id = ${c} and not d.is_deleted and s.is_closed
        and d.close_date between ${range.from}::date and ${range.to}::date
        ${range.wonOnly ? sql`and s.is_won` : sql``}
    ),
    -- Only deals whose owner ever changed need the closing moment; the rest keep their current
    -- owner. Owner changes are rare, so this skips almost all per-deal history work (a partial
    -- index, migration 041, serves the probe).
    owner_changed as (
      select closed.deal_id from closed
      where exists (
        select 1 from deal_history h
        where h.connection_id = ${c} and h.deal_id = closed.deal_id and h.field = 'owner'
      )
    ),
    owner_at_close as (
      select oc.deal_id, o.owner_id
      from owner_changed oc
      cross join lateral (
        select max(steps.changed_at) as closed_at
        from (
          select h.changed_at, coalesce(hs.is_closed, false) as is_closed,
                 lag(coalesce(hs.is_closed, false)) over (order by h.changed_at) as was_closed
          from deal_history h
          left join stages hs on hs.connection_id = h.connection_id and hs.external_id = h.value
          where h.connection_id = ${c} and h.deal_id = oc.deal_id and h.field = 'stage'
        ) steps
        where steps.is_closed and steps.was_closed is not true
      ) ca
      cross join lateral (
        select nullif(h.value, '') as owner_id
        from deal_history h
        where h.connection_id = ${c} and h.deal_id = oc.deal_id and h.field = 'owner'
          and h.changed_at <= ca.closed_at
        order by h.changed_at desc
        limit 1
      ) o
    )
    select closed.deal_id, closed.pipeline_id, closed.is_won, closed.amount, closed.close_date,
           closed.crm_created_at, coalesce(oac.owner_id, closed.current_owner) as owner_id
    from closed
    left join owner_at_close oac on oac.deal_id = closed.deal_id`;
}

/**
 * Credited closed-won amounts: a deal with revenue splits (`deal_splits`, percent > 0) credits
 * each split owner `amount × percent ÷ 100` (as Salesforce Opportunity Splits of a revenue type
 * roll up to Collaborative Forecasts); otherwise the closing owner gets the whole amount.
 * Columns: deal_id, owner_id, credit.
 */
export function wonCreditsSql(connectionId: number, from: string, to: string): RawBuilder<unknown> {
  return sql`
    select w.deal_id, coalesce(sp.owner_id, w.owner_id) as owner_id,
           w.amount * coalesce(sp.percent, 100) / 100 as credit
    from (${closedDealsSql({ connectionId, from, to, wonOnly: true })}) w
    left join deal_splits sp
      on sp.connection_id = ${connectionId} and sp.deal_id = w.deal_id and sp.percent > 0`;
}

/**
 * Open pipeline with `close_date` in [from, to], credited like won deals (splits, else the current
 * owner). Columns: owner_id, amount, weighted (amount × stage probability 0..1).
 */
export function openPipelineSql(connectionId: number, from: string, to: string): RawBuilder<unknown> {
  return sql`
    select coalesce(sp.owner_id, d.owner_id) as owner_id,
           coalesce(d.amount_home, d.amount, 0) * coalesce(sp.percent, 100) / 100 as amount,
           coalesce(d.amount_home, d.amount, 0) * coalesce(sp.percent, 100) / 100
             * coalesce(s.probability, 0) as weighted
    from deals d
    join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
    left join deal_splits sp
      on sp.connection_id = d.connection_id and sp.deal_id = d.external_id and sp.percent > 0
    where d.connection_id = ${connectionId} and not d.is_deleted and not s.is_closed
      and d.close_date between ${from}::date and ${to}::date`;
}

/**
 * One team per rep: the membership marked primary, else the alphabetically first team. Team
 * roll-ups therefore partition the reps (teams add up to the connection), as HubSpot reports by
 * a user's primary team and Salesforce rolls a user up one forecast manager.
 * Columns: owner_id, team_id, team_name.
 */
export function repTeamSql(connectionId: number): RawBuilder<unknown> {
  return sql`
    select distinct on (ot.owner_id) ot.owner_id, ot.team_id, t.name as team_name
    from owner_teams ot
    join teams t on t.connection_id = ot.connection_id and t.external_id = ot.team_id
    where ot.connection_id = ${connectionId}
    order by ot.owner_id, ot.is_primary desc, t.name, t.external_id`;
}

/**
 * Runs analytical reads/writes in one transaction with settings that suit them: JIT off (its
 * compile time, ~0.7 s, exceeds what it saves on these scans) and a work_mem that keeps hashes
 * and sorts of a few hundred thousand deals in memory. Inside a caller's transaction it just runs.
 */
export async function inAnalyticsTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  const run = async (trx: Db): Promise<T> => {
    await sql`set local jit = off`.execute(trx);
    await sql`set local work_mem = '64MB'`.execute(trx);
    return fn(trx);
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
