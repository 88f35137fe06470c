import { sql } from 'kysely';
import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { inAnalyticsTransaction } from '../warehouse/deal-credits.js';
import {
  deleteMetricsOfOtherPeriods,
  type MetricValueRow,
  upsertMetricValues,
  writeStagedMetricValues,
} from '../warehouse/metric-values.js';
import { computeForecast, type ForecastResult } from './forecast.js';
import { defaultForecastMethod } from './forecast-accuracy.js';
import { modelCategory } from './history-model.js';

/**
 * Push-back values for the compute stage (DESIGN §6), for the current fiscal quarter: per open
 * deal the model's win probability (percent points) and the category the model gives it; per rep
 * the Monte Carlo P50. Deal values are diffed (only changes written; rows of deals no longer open
 * are removed), rep values upserted.
 */
export const DEAL_METRICS = ['salesops_win_probability', 'salesops_forecast_category'] as const;
export const REP_METRIC = 'salesops_forecast_p50';

export async function computeForecastMetrics(
  db: Db,
  connection: Connection,
  options: {
    readonly asOf: Date;
    readonly runId: number | null;
    /** The current quarter's forecast if the caller already has it (the snapshot step does). */
    readonly forecast?: ForecastResult;
  },
): Promise<void> {
  const asOfDate = localDate(options.asOf, connection.timeZone);
  const period = periodContaining('quarter', asOfDate, connection);
  const result =
    options.forecast ??
    (await computeForecast(db, connection, {
      period,
      asOf: options.asOf,
      method: await defaultForecastMethod(db, connection.id),
    }));
  const rows: MetricValueRow[] = [
    ...result.reps.flatMap((r): MetricValueRow[] =>
      r.ownerId === null
        ? []
        : [
            {
              record_id: r.ownerId,
              object: 'rep',
              metric: REP_METRIC,
              value_numeric: Math.round(r.distribution.p50 * 100) / 100,
              value_text: null,
            },
          ],
    ),
  ];
  const scope = { connectionId: connection.id, periodKey: period.key, runId: options.runId };
  const { ids, winProbability } = result.deals;
  const percents = Array.from(winProbability, (p) => String(Math.round(p * 1000) / 10));
  const categories = Array.from(winProbability, (p) => modelCategory(p));
  await inAnalyticsTransaction(db, async (trx) => {
    // Deal values are staged in one statement and diffed against the stored ones, so a
    // recompute writes only deals whose values moved (500k rows at 1M deals were all upserted).
    await sql`drop table if exists salesops_fresh`.execute(trx);
    await sql`create temp table salesops_fresh on commit drop as
      select 'deal'::text as object, d.id as record_id, m.metric, m.value_numeric, m.value_text
      from unnest(${ids}::text[], ${percents}::numeric[], ${categories}::text[]) as d(id, percent, category)
      cross join lateral (values
        (${DEAL_METRICS[0]}::text, d.percent, null::text),
        (${DEAL_METRICS[1]}::text, null::numeric, d.category)
      ) as m(metric, value_numeric, value_text)`.execute(trx);
    await writeStagedMetricValues(trx, scope, { rep: [], deal: DEAL_METRICS });
    await deleteMetricsOfOtherPeriods(trx, scope, 'deal', DEAL_METRICS);
    await upsertMetricValues(trx, scope, rows);
  });
}
