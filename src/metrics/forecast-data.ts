import { sql } from 'kysely';
import type { Db } from '../db.js';
import type { ClosedDealHistory, StageInfo } from './history-model.js';

/**
 * The warehouse side of the forecast: stages, each deal's state at an instant, and the closed
 * deals the history model learns from. Live reads take the deals table as it is; a replay
 * (backtest) rebuilds the state at `at` from deal_history and the forecast change log so that
 * nothing recorded after `at` leaks in.
 */

export interface ForecastStage extends StageInfo {
  readonly category: string;
}

export interface DealState {
  readonly dealId: string;
  readonly ownerId: string | null;
  readonly stageId: string;
  readonly amount: number;
  /** Local close date; null when unknown at `at` (replay of a deal that closed later). */
  readonly closeDate: string | null;
  readonly enteredAt: number;
  readonly createdAt: number | null;
  readonly category: string;
}

export async function loadStages(db: Db, connectionId: number): Promise<ForecastStage[]> {
  const rows = await db
    .selectFrom('stages')
    .select([
      'external_id',
      'pipeline_id',
      'display_order',
      'probability',
      'is_closed',
      'is_won',
      'forecast_category',
    ])
    .where('connection_id', '=', connectionId)
    .orderBy('display_order')
    .orderBy('external_id')
    .execute();
  // Rank open stages by display order within their pipeline, so parallel pipelines line up.
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const rank = row.is_closed ? -1 : (seen.get(row.pipeline_id) ?? 0);
    if (!row.is_closed) seen.set(row.pipeline_id, rank + 1);
    return {
      id: row.external_id,
      rank,
      isClosed: row.is_closed,
      isWon: row.is_won,
      crmProbability: row.probability === null ? null : Number(row.probability),
      category: row.forecast_category ?? (row.is_won ? 'closed' : row.is_closed ? 'omitted' : 'pipeline'),
    };
  });
}

interface StateRow {
  deal_id: string;
  owner_id: string | null;
  stage_id: string;
  amount: string | null;
  close_date: string | null;
  entered_at: Date | null;
  created_at: Date | null;
  category: string | null;
}

/**
 * Each deal's owner, stage, amount and close date at `at` (live: as stored now), in deal id
 * order: the Monte Carlo draws its numbers deal by deal in this order, so an order that followed
 * the table's physical layout (which any UPDATE changes, e.g. the re-read of records we pushed)
 * would move a rep's P50 with nothing changed.
 */
export async function loadDealStates(
  db: Db,
  connectionId: number,
  at: Date,
  replay: boolean,
): Promise<DealState[]> {
  const rows = replay
    ? await sql<StateRow>`
      with hs as (
        select distinct on (deal_id) deal_id, value as stage_id, changed_at
        from deal_history where connection_id = ${connectionId} and field = 'stage' and changed_at <= ${at}
        order by deal_id, changed_at desc
      ), ho as (
        select distinct on (deal_id) deal_id, value as owner_id
        from deal_history where connection_id = ${connectionId} and field = 'owner' and changed_at <= ${at}
        order by deal_id, changed_at desc
      ), later as (
        -- The value a field had at \`at\` is the old value of its first change after \`at\`.
        select distinct on (deal_id, field) deal_id, field, old_value
        from forecast_deal_changes
        where connection_id = ${connectionId} and field in ('amount', 'close_date', 'category') and changed_at > ${at}
        order by deal_id, field, changed_at
      ), has_history as (
        select distinct deal_id from deal_history where connection_id = ${connectionId} and field = 'stage'
      )
      select d.external_id as deal_id,
        coalesce(nullif(ho.owner_id, ''), d.owner_id) as owner_id,
        coalesce(hs.stage_id, d.stage_id) as stage_id,
        coalesce(nullif(la.old_value, '')::numeric, d.amount_home, d.amount)::text as amount,
        case
          when lc.deal_id is not null then nullif(lc.old_value, '')::date
          -- A deal open at \`at\` that has closed since: its close date is the outcome, not a forecast.
          when s_now.is_closed and (hs.stage_id is null or not coalesce(s_then.is_closed, false)) then null
          else d.close_date
        end::text as close_date,
        coalesce(hs.changed_at, d.crm_created_at) as entered_at,
        d.crm_created_at as created_at,
        coalesce(nullif(lg.old_value, ''), d.forecast_category) as category
      from deals d
      left join hs on hs.deal_id = d.external_id
      left join ho on ho.deal_id = d.external_id
      left join later la on la.deal_id = d.external_id and la.field = 'amount'
      left join later lc on lc.deal_id = d.external_id and lc.field = 'close_date'
      left join later lg on lg.deal_id = d.external_id and lg.field = 'category'
      left join stages s_now on s_now.connection_id = d.connection_id and s_now.external_id = d.stage_id
      left join stages s_then on s_then.connection_id = d.connection_id and s_then.external_id = hs.stage_id
      where d.connection_id = ${connectionId} and not d.is_deleted
        and coalesce(d.crm_created_at, hs.changed_at) <= ${at}
        -- Without a stage recorded by \`at\`, only a deal with no stage history at all keeps its stage.
        and (hs.deal_id is not null or d.external_id not in (select deal_id from has_history))
      order by d.external_id
    `.execute(db)
    : await liveOpenStates(db, connectionId, at, null, Number.MAX_SAFE_INTEGER);
  return rows.rows.map((row) => toDealState(row, at));
}

function toDealState(row: StateRow, at: Date): DealState {
  return {
    dealId: row.deal_id,
    ownerId: row.owner_id,
    stageId: row.stage_id,
    amount: row.amount === null ? 0 : Number(row.amount),
    closeDate: row.close_date,
    enteredAt: (row.entered_at ?? at).getTime(),
    createdAt: row.created_at?.getTime() ?? null,
    category: row.category ?? '',
  };
}

/**
 * Open deals only (live): a closed deal's state is not needed, its credit comes from the
 * attainment SQL. Keyset pages in deal id order, so a page's rows are all Node holds at a time.
 */
function liveOpenStates(db: Db, connectionId: number, at: Date, after: string | null, limit: number) {
  return sql<StateRow>`
      select d.external_id as deal_id, d.owner_id, d.stage_id,
        coalesce(d.amount_home, d.amount)::text as amount,
        d.close_date::text as close_date,
        coalesce(
          (select max(h.changed_at) from deal_history h
            where h.connection_id = d.connection_id and h.deal_id = d.external_id
              and h.field = 'stage' and h.value = d.stage_id and h.changed_at <= ${at}),
          d.crm_created_at, d.last_modified_at) as entered_at,
        d.crm_created_at as created_at,
        d.forecast_category as category
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id and not s.is_closed
      where d.connection_id = ${connectionId} and not d.is_deleted
        ${after === null ? sql`` : sql`and d.external_id > ${after}`}
      order by d.external_id
      limit ${limit}`.execute(db);
}

/** Calls `onChunk` with the live open deals, `chunkSize` at a time, in deal id order. */
export async function forEachOpenDealChunk(
  db: Db,
  connectionId: number,
  at: Date,
  chunkSize: number,
  onChunk: (deals: DealState[]) => void,
): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const { rows } = await liveOpenStates(db, connectionId, at, after, chunkSize);
    if (rows.length === 0) return;
    onChunk(rows.map((row) => toDealState(row, at)));
    if (rows.length < chunkSize) return;
    after = (rows[rows.length - 1] as StateRow).deal_id;
  }
}

/**
 * Every owner key ('' = unowned) of a live deal in a known stage, open or closed, in the order
 * of each one's first deal by id: the order in which reading every deal met them, which fixes
 * the order the team's figures are summed in.
 */
export async function dealOwnersInOrder(db: Db, connectionId: number): Promise<string[]> {
  const { rows } = await sql<{ owner_key: string }>`
    select owner_key from (
      select coalesce(d.owner_id, '') as owner_key, min(d.external_id) as first_deal
      from deals d join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
      where d.connection_id = ${connectionId} and not d.is_deleted
      group by 1
    ) x order by first_deal`.execute(db);
  return rows.map((r) => r.owner_key);
}

/**
 * Deals closed at or before `at`, with their open-stage entries up to the close: what the
 * history model may learn from without looking ahead.
 */
export async function loadClosedHistory(
  db: Db,
  connectionId: number,
  stages: readonly ForecastStage[],
  at: Date,
): Promise<ClosedDealHistory[]> {
  const rows = await sql<{
    deal_id: string;
    won: boolean;
    closed_at: Date;
    created_at: Date | null;
    entries: [string, string][] | null;
  }>`
    with closing as (
      select d.external_id as deal_id, s.is_won as won, d.crm_created_at as created_at,
        coalesce(
          (select min(h.changed_at) from deal_history h
            join stages hs on hs.connection_id = h.connection_id and hs.external_id = h.value and hs.is_closed
            where h.connection_id = d.connection_id and h.deal_id = d.external_id and h.field = 'stage'),
          d.close_at, d.close_date::timestamptz) as closed_at
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id and s.is_closed
      where d.connection_id = ${connectionId} and not d.is_deleted
    )
    select c.deal_id, c.won, c.closed_at, c.created_at,
      (select json_agg(json_build_array(h.value, h.changed_at) order by h.changed_at)
        from deal_history h
        where h.connection_id = ${connectionId} and h.deal_id = c.deal_id and h.field = 'stage'
          and h.changed_at <= c.closed_at) as entries
    from closing c
    where c.closed_at <= ${at}
  `.execute(db);
  const rank = new Map(stages.filter((s) => !s.isClosed).map((s) => [s.id, s.rank]));
  return rows.rows.map((row) => ({
    won: row.won,
    closedAt: row.closed_at.getTime(),
    createdAt: row.created_at?.getTime() ?? null,
    entries: (row.entries ?? []).flatMap(([stageId, changedAt]) => {
      const r = rank.get(stageId);
      return r === undefined ? [] : [{ rank: r, at: Date.parse(changedAt) }];
    }),
  }));
}
