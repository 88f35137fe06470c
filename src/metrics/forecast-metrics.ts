import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import {
  deleteDealMetricsNotOpen,
  type MetricValueRow,
  upsertMetricValues,
} from '../warehouse/metric-values.js';
import { computeForecast, type ForecastResult } from './forecast.js';
import { defaultForecastMethod } from './forecast-accuracy.js';
import { modelCategory } from './history-model.js';

/**
 * Push-back values for the compute stage (DESIGN §6), for the current fiscal quarter: per open
 * deal the model's win probability (percent points) and the category the model gives it; per rep
 * the Monte Carlo P50. Set-based upserts; rows of deals no longer open are removed.
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
    ...result.deals.flatMap((d): MetricValueRow[] => {
      const percent = Math.round(d.winProbability * 1000) / 10;
      return [
        {
          record_id: d.dealId,
          object: 'deal',
          metric: DEAL_METRICS[0],
          value_numeric: percent,
          value_text: null,
        },
        {
          record_id: d.dealId,
          object: 'deal',
          metric: DEAL_METRICS[1],
          value_numeric: null,
          value_text: modelCategory(d.winProbability),
        },
      ];
    }),
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
  await db.transaction().execute(async (trx) => {
    await upsertMetricValues(
      trx,
      { connectionId: connection.id, periodKey: period.key, runId: options.runId },
      rows,
    );
    await deleteDealMetricsNotOpen(trx, connection.id, period.key, DEAL_METRICS);
  });
}
