import { sql } from 'kysely';
import type { Db } from '../db.js';
import { inAnalyticsTransaction } from '../warehouse/deal-credits.js';
import type { ForecastStage } from './forecast-data.js';
import { DAY_MS, type HistoryModel, modelFromAggregates } from './history-model.js';

/**
 * The history model's inputs aggregated in Postgres: what `trainHistoryModel` learns from the
 * closed deals (forecast-data.ts `loadClosedHistory` reads them one by one), as counts per
 * reached stage, the ageing and cycle quantiles, and per stage the times to win grouped by value.
 * Node never holds a closed deal: at 1M deals the per-deal read took 27 s and 1.3 GB of heap.
 *
 * Timestamps become whole epoch milliseconds (floor), as a JS Date holds them, so every duration
 * is the same integer the per-deal model subtracts and divides by DAY_MS; the quantiles are
 * Postgres' percentile_cont over the same doubles, the R-7 interpolation `quantileOf` does.
 */
export async function loadHistoryModel(
  db: Db,
  connectionId: number,
  stages: readonly ForecastStage[],
  at: Date,
): Promise<HistoryModel> {
  const open = stages.filter((s) => !s.isClosed);
  const ids = open.map((s) => s.id);
  const ranks = open.map((s) => s.rank);
  const stageCount = ranks.length === 0 ? 0 : Math.max(...ranks) + 1;
  const c = connectionId;
  const ms = (column: ReturnType<typeof sql.ref>) => sql`floor(extract(epoch from ${column}) * 1000)::bigint`;
  return inAnalyticsTransaction(db, async (trx) => {
    for (const table of ['hm_closed', 'hm_entries'])
      await sql`drop table if exists ${sql.raw(table)}`.execute(trx);
    // The closing moment: the first entry into a closed stage (deals.first_closed_at, kept from
    // the stage history as it is written), else the CRM's close time or date. Grouping the stage
    // history here on every compute was the model's largest statement (5-10 s at 1M deals).
    await sql`create temp table hm_closed on commit drop as
      select row_number() over () as dn, x.deal_id, x.won, x.closed_at, ${ms(sql.ref('x.closed_at'))} as closed_ms,
        ${ms(sql.ref('x.created_at'))} as created_ms
      from (
        select d.external_id as deal_id, s.is_won as won, d.crm_created_at as created_at,
          coalesce(d.first_closed_at, d.close_at, d.close_date::timestamptz) as closed_at
        from deals d
        join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id and s.is_closed
        where d.connection_id = ${c} and not d.is_deleted
      ) x
      where x.closed_at <= ${at}`.execute(trx);
    await sql`analyze hm_closed`.execute(trx);
    // Entries into open stages up to the close, each with the next such entry (leaving the
    // stage), the highest stage the deal reached and its first entry marked (one sort, keyed by
    // a number: sorting 700k deal ids by the database's text collation took most of it).
    await sql`create temp table hm_entries on commit drop as
      select e.dn, e.won, e.closed_ms, r.rank, ${ms(sql.ref('h.changed_at'))} as at_ms,
        lead(${ms(sql.ref('h.changed_at'))}) over w as next_ms,
        max(r.rank) over (partition by e.dn) as reached,
        row_number() over w = 1 as first
      from hm_closed e
      join deal_history h on h.connection_id = ${c} and h.deal_id = e.deal_id and h.field = 'stage'
        and h.changed_at <= e.closed_at
      join unnest(${ids}::text[], ${ranks}::int[]) as r(stage_id, rank) on r.stage_id = h.value
      window w as (partition by e.dn order by h.changed_at, h.value)`.execute(trx);
    await sql`analyze hm_entries`.execute(trx);
    const [reached, closedCounts, toWin, ageing, cycle] = await Promise.all([
      sql<{ reached: number; won: boolean; n: number }>`
        select reached, won, count(*)::int as n from hm_entries where first group by reached, won`.execute(
        trx,
      ),
      sql<{ won: boolean; n: number }>`select won, count(*)::int as n from hm_closed group by won`.execute(
        trx,
      ),
      // Time to win from stage k: from the first entry into k or a later stage (min at_ms).
      sql<{ k: number; days_ms: number; n: number }>`
        select k, days_ms, count(*)::int as n from (
          select k, greatest(0, e.closed_ms - min(e.at_ms)) as days_ms
          from hm_entries e cross join generate_series(0, ${stageCount - 1}::int) k
          where e.won and e.rank >= k
          group by e.dn, e.closed_ms, k
        ) x group by k, days_ms order by k, days_ms`.execute(trx),
      sql<{ rank: number; p90: number | null }>`
        select rank, percentile_cont(0.9) within group (
          order by greatest(0, coalesce(next_ms, closed_ms) - at_ms)::float8 / ${DAY_MS}::float8) as p90
        from hm_entries group by rank`.execute(trx),
      sql<{ median: number | null }>`
        select percentile_cont(0.5) within group (order by (closed_ms - created_ms)::float8 / ${DAY_MS}::float8) as median
        from hm_closed where won and created_ms is not null`.execute(trx),
    ]);
    const reachedCounts = reached.rows.map((r) => ({ reached: r.reached, won: r.won, count: r.n }));
    // A deal without recorded open stages still passed the first one (reached 0).
    for (const row of closedCounts.rows) {
      const withEntries = reachedCounts.reduce((n, r) => n + (r.won === row.won ? r.count : 0), 0);
      if (row.n > withEntries) reachedCounts.push({ reached: 0, won: row.won, count: row.n - withEntries });
    }
    const times = toWin.rows.map((r) => ({ rank: r.k, days: Number(r.days_ms) / DAY_MS, count: r.n }));
    return modelFromAggregates(stages, {
      reached: reachedCounts,
      daysToWin: times,
      ageingDays: new Map(ageing.rows.map((r) => [r.rank, r.p90 === null ? null : Number(r.p90)])),
      medianCycleDays: cycle.rows[0]?.median == null ? null : Number(cycle.rows[0].median),
    });
  });
}
