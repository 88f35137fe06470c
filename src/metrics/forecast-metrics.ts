import { sql } from 'kysely';
import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
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
  const rows = [
    ...result.deals.flatMap((d) => {
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
    ...result.reps.flatMap((r) =>
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
    // One statement per 5,000 rows: jsonb_to_recordset keeps the parameter count at one.
    for (let i = 0; i < rows.length; i += 5000) {
      await sql`
        insert into metric_values (connection_id, object, record_id, metric, period_key, value_numeric, value_text, computed_at, run_id)
        select ${connection.id}, r.object, r.record_id, r.metric, ${period.key}, r.value_numeric, r.value_text, now(), ${options.runId}
        from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 5000))}::jsonb)
          as r(object text, record_id text, metric text, value_numeric numeric, value_text text)
        on conflict (connection_id, object, record_id, metric, period_key) do update set
          value_numeric = excluded.value_numeric, value_text = excluded.value_text,
          computed_at = excluded.computed_at, run_id = excluded.run_id`.execute(trx);
    }
    await sql`
      delete from metric_values m
      where m.connection_id = ${connection.id} and m.object = 'deal'
        and m.metric in (${sql.join(DEAL_METRICS.map((m) => sql.lit(m)))})
        and (m.period_key <> ${period.key} or not exists (
          select 1 from deals d join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
          where d.connection_id = m.connection_id and d.external_id = m.record_id and not d.is_deleted and not s.is_closed))`.execute(
      trx,
    );
  });
}
