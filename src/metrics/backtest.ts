import { DateTime } from 'luxon';
import { addDays, type Period, shiftPeriod } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { computeForecast, FORECAST_METHODS, type ForecastMethod } from './forecast.js';
import {
  type AccuracyRow,
  actualClosedWon,
  SCORED_WEEKS,
  saveAccuracy,
  scoreForecast,
} from './forecast-accuracy.js';
import { saveForecastSnapshot } from './snapshots.js';

/**
 * Replays past quarters from deal history so a new connection has accuracy figures on day one:
 * at the end of day 1 of weeks 1, 4 and 8 the deals are rebuilt as they stood then and the model
 * learns only from deals closed by then; each method's forecast is scored against the actual.
 */
export interface BacktestOptions {
  readonly from: Period;
  readonly to: Period;
  readonly trials?: number;
}

export interface BacktestResult {
  readonly rows: readonly AccuracyRow[];
}

export function quartersBetween(from: Period, to: Period, fiscal: Connection): Period[] {
  const out: Period[] = [];
  for (let p = from; p.start <= to.start && out.length < 400; p = shiftPeriod(p, 1, fiscal)) out.push(p);
  return out;
}

export async function runBacktest(
  db: Db,
  connection: Connection,
  options: BacktestOptions,
): Promise<BacktestResult> {
  const rows: AccuracyRow[] = [];
  for (const period of quartersBetween(options.from, options.to, connection)) {
    const actual = await actualClosedWon(db, connection.id, period);
    const scored: Omit<AccuracyRow, 'periodKey'>[] = [];
    for (const week of SCORED_WEEKS) {
      const day = addDays(period.start, 7 * (week - 1));
      const asOf = DateTime.fromISO(day, { zone: connection.timeZone }).endOf('day').toJSDate();
      const result = await computeForecast(db, connection, {
        period,
        asOf,
        replay: true,
        method: 'monte_carlo',
        ...(options.trials !== undefined && { trials: options.trials }),
      });
      await saveForecastSnapshot(db, connection.id, result, { replay: true, runId: null });
      for (const method of FORECAST_METHODS as readonly ForecastMethod[]) {
        const forecast = result.team.forecasts[method];
        scored.push({
          method,
          week,
          source: 'backtest',
          forecast,
          actual,
          ...scoreForecast(forecast, actual),
        });
      }
    }
    await saveAccuracy(db, connection.id, period, scored);
    rows.push(...scored.map((r) => ({ ...r, periodKey: period.key })));
  }
  return { rows };
}
