import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * The SQL building blocks shared by attainment, rep comparison, forecasts and compensation, so reports
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
             d.close_date, d.crm_created_at, d.owner_id as current_owner,
             exists (
               select 1 from deal_history oh
               where oh.connection_id = d.connection_id and oh.deal_id = d.external_id and oh.field = 'owner'
             ) as owner_changed
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
      where d.connection_id = ${c} and not d.is_deleted and s.is_closed
        and d.close_date between ${range.from}::date and ${range.to}::date
        ${range.wonOnly ? sql`and s.is_won` : sql``}
    )
    -- Only deals whose owner ever changed (the partial index of migration 041 answers that) need
    -- the closing moment and the owner then; the rest keep their current owner. CASE with scalar
    -- subqueries evaluates the lookup only for those deals, one index probe each, so the work is
    -- linear whatever the planner estimates (a join of CTEs planned on missing statistics once
    -- re-ran the lookup per deal: quadratic, minutes on a freshly loaded sandbox).
    select closed.deal_id, closed.pipeline_id, closed.is_won, closed.amount, closed.close_date,
           closed.crm_created_at,
           coalesce(case when closed.owner_changed then (
             select nullif(h.value, '')
             from deal_history h
             where h.connection_id = ${c} and h.deal_id = closed.deal_id and h.field = 'owner'
               and h.changed_at <= (
                 select max(steps.changed_at)
                 from (
                   select sh.changed_at, coalesce(hs.is_closed, false) as is_closed,
                          lag(coalesce(hs.is_closed, false)) over (order by sh.changed_at) as was_closed
                   from deal_history sh
                   left join stages hs on hs.connection_id = sh.connection_id and hs.external_id = sh.value
                   where sh.connection_id = ${c} and sh.deal_id = closed.deal_id and sh.field = 'stage'
                 ) steps
                 where steps.is_closed and steps.was_closed is not true
               )
             order by h.changed_at desc
             limit 1
           ) end, closed.current_owner) as owner_id
    from closed`;
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
