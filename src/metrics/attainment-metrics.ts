import { sql } from 'kysely';
import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { closedDealsSql, inAnalyticsTransaction } from '../warehouse/deal-credits.js';
import { writeStagedMetricValues } from '../warehouse/metric-values.js';
import { periodCutoff, repAttainmentSql } from './attainment.js';
import { comparisonWindow } from './rep-comparison.js';

/** The metric names this module owns in `metric_values` (push maps them to CRM fields). */
export const ATTAINMENT_METRICS = {
  rep: ['salesops_quota_attainment', 'salesops_quota', 'salesops_closed_won', 'salesops_win_rate'],
  deal: ['salesops_owner_attainment', 'salesops_stage_entered_at'],
} as const;

export interface AttainmentMetricsOptions {
  readonly asOf: Date;
  readonly runId: number | null;
}

/**
 * The compute stage's attainment values (DESIGN §6), for the fiscal quarter containing the as-of
 * day in the connection's zone (period_key like `2026-Q3`), in a few set-based statements (one transaction):
 * - per rep (record_id = owner external id; every owner with a quota or a credit in the quarter,
 *   or a closed deal in the comparison window): `salesops_quota_attainment` (percent points,
 *   null without a quota), `salesops_quota` (null without one), `salesops_closed_won`,
 *   `salesops_win_rate` (percent points over the same trailing window as `report reps`, so the
 *   CRM shows what the report shows; null with no closed deal);
 * - per open deal: `salesops_owner_attainment` (its current owner's, percent points) and
 *   `salesops_stage_entered_at` (local date of the latest stage change, else of creation).
 * Values are upserted only when they differ (unchanged rows keep their computed_at, so nothing
 * downstream sees churn); rows of these metrics for this period_key whose rep or deal no longer
 * qualifies are deleted. Other metrics and other periods are left alone.
 */
export async function computeAttainmentMetrics(
  db: Db,
  connection: Connection,
  options: AttainmentMetricsOptions,
): Promise<void> {
  const c = connection.id;
  const tz = connection.timeZone;
  const quarter = periodContaining('quarter', localDate(options.asOf, tz), connection);
  const { closed, cutoff } = periodCutoff(quarter, options.asOf, tz);
  const window = comparisonWindow(quarter);
  const repMetrics = [...ATTAINMENT_METRICS.rep];
  const dealMetrics = [...ATTAINMENT_METRICS.deal];

  const steps = async (trx: Db): Promise<void> => {
    // Staged through temp tables (with real row counts after ANALYZE) rather than one statement:
    // as CTEs the planner guessed millions of rows per rep and picked plans that ran for minutes
    // on 1M deals. Every step is still one set-based statement.
    for (const table of ['salesops_att', 'salesops_wl', 'salesops_fresh']) {
      await sql`drop table if exists ${sql.raw(table)}`.execute(trx);
    }
    await sql`create temp table salesops_att on commit drop as
      ${repAttainmentSql(c, quarter, cutoff, closed)}`.execute(trx);
    await sql`create temp table salesops_wl on commit drop as
      select cd.owner_id, count(*) filter (where cd.is_won) as won, count(*) as closed
      from (${closedDealsSql({ connectionId: c, from: window.start, to: cutoff, wonOnly: false })}) cd
      where cd.owner_id is not null
      group by cd.owner_id`.execute(trx);
    await sql`analyze salesops_att`.execute(trx);
    await sql`analyze salesops_wl`.execute(trx);
    // One pass over open deals emits both deal metrics; the latest stage change is an index-only
    // probe of the deal_history primary key.
    await sql`create temp table salesops_fresh on commit drop as
      with rep_ids as (select owner_id from salesops_att union select owner_id from salesops_wl)
      select 'rep'::text as object, r.owner_id as record_id, m.metric::text as metric,
             m.value_numeric::numeric as value_numeric, null::text as value_text
      from rep_ids r
      left join salesops_att a on a.owner_id = r.owner_id
      left join salesops_wl wl on wl.owner_id = r.owner_id
      cross join lateral (values
        ('salesops_quota_attainment', round(a.attainment * 100, 4)),
        ('salesops_quota', a.quota),
        ('salesops_closed_won', coalesce(a.closed_won, 0)),
        ('salesops_win_rate', case when wl.closed > 0 then round(100.0 * wl.won / wl.closed, 4) end)
      ) as m(metric, value_numeric)
      union all
      select 'deal', d.external_id, m.metric, m.value_numeric, m.value_text
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
      left join salesops_att a on a.owner_id = d.owner_id
      cross join lateral (
        select max(h.changed_at) as changed_at from deal_history h
        where h.connection_id = ${c} and h.deal_id = d.external_id and h.field = 'stage'
      ) ls
      cross join lateral (values
        ('salesops_owner_attainment', round(a.attainment * 100, 4), null),
        ('salesops_stage_entered_at', null,
         to_char(coalesce(ls.changed_at, d.crm_created_at) at time zone ${tz}::text, 'YYYY-MM-DD'))
      ) as m(metric, value_numeric, value_text)
      where d.connection_id = ${c} and not d.is_deleted and not s.is_closed`.execute(trx);
    // Only what differs from the stored values is written (a no-change recompute writes nothing).
    await writeStagedMetricValues(
      trx,
      { connectionId: c, periodKey: quarter.key, runId: options.runId },
      { rep: repMetrics, deal: dealMetrics },
    );
  };
  // One transaction, so push never reads a half-written period; inside a caller's transaction
  // the temp tables simply live until it commits.
  await inAnalyticsTransaction(db, steps);
}
