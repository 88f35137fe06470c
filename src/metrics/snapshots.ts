import { daysInclusive, localDate, type Period, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { recordDealChanges } from '../warehouse/forecast-deal-changes.js';
import { upsertForecastSnapshots } from '../warehouse/forecast-snapshots.js';
import { computeForecast, FORECAST_METHODS, type ForecastResult, type SubjectForecast } from './forecast.js';
import { defaultForecastMethod, scoreClosedPeriods } from './forecast-accuracy.js';

/**
 * What each sync remembers for forecasting: the changes in open deals since the last sync
 * (not a copy of every deal every day) and every method's forecast for the current quarter.
 */

/** Week of the period a day falls in, 1-based (days 1–7 are week 1). */
export function periodWeek(period: Period, date: string): number {
  return Math.floor((daysInclusive(period.start, date) - 1) / 7) + 1;
}

/** Stores each method's forecast for the team and every rep; one row per method, subject and day. */
export async function saveForecastSnapshot(
  db: Db,
  connectionId: number,
  result: ForecastResult,
  options: { readonly replay: boolean; readonly runId: number | null },
): Promise<void> {
  const week = periodWeek(result.period, result.asOfDate);
  const rows = [result.team, ...result.reps].flatMap((s: SubjectForecast) =>
    FORECAST_METHODS.map((method) => ({
      connection_id: connectionId,
      period_key: result.period.key,
      period_start: result.period.start,
      period_end: result.period.end,
      as_of: result.asOfDate,
      week,
      method,
      owner_id: s.ownerId ?? '',
      forecast: s.forecasts[method],
      closed_won: s.closedWon,
      p10: method === result.method || method === 'monte_carlo' ? s.distribution.p10 : null,
      p90: method === result.method || method === 'monte_carlo' ? s.distribution.p90 : null,
      probability_of_quota: s.distribution.probabilityOfQuota,
      replay: options.replay,
      run_id: options.runId,
    })),
  );
  await upsertForecastSnapshots(db, rows);
}

/**
 * The compute stage's snapshot step. A replay (`--as-of`) rebuilds the deals as of that day from
 * history and is marked so it is never scored; it records no deal changes (what changed is
 * observed now, not on the replayed day). A live snapshot also scores quarters that have closed.
 */
export async function recordForecastSnapshot(
  db: Db,
  connection: Connection,
  options: { readonly asOf: Date; readonly runId: number | null; readonly replay: boolean },
): Promise<ForecastResult> {
  if (!options.replay) await recordDealChanges(db, connection.id, options.asOf, options.runId);
  const asOfDate = localDate(options.asOf, connection.timeZone);
  const period = periodContaining('quarter', asOfDate, connection);
  const method = await defaultForecastMethod(db, connection.id);
  const result = await computeForecast(db, connection, {
    period,
    asOf: options.asOf,
    replay: options.replay,
    method,
  });
  await saveForecastSnapshot(db, connection.id, result, options);
  if (!options.replay) await scoreClosedPeriods(db, connection.id, asOfDate);
  // Returned so the compute stage can push the same forecast without simulating it twice.
  return result;
}
