import type { Insertable } from 'kysely';
import type { Db } from '../db.js';
import type { ForecastAccuracyTable } from './tables-forecast-push.js';

/**
 * `forecast_accuracy`: each method's score for a closed period and week, from a live snapshot or
 * a backtest (`source`). Only this module writes it; scoring again replaces the score.
 */
export async function upsertForecastAccuracy(
  db: Db,
  rows: readonly Insertable<ForecastAccuracyTable>[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('forecast_accuracy')
    .values([...rows])
    .onConflict((oc) =>
      oc.columns(['connection_id', 'period_key', 'method', 'week', 'source']).doUpdateSet((eb) => ({
        forecast: eb.ref('excluded.forecast'),
        actual: eb.ref('excluded.actual'),
        abs_pct_error: eb.ref('excluded.abs_pct_error'),
        bias: eb.ref('excluded.bias'),
        scored_at: new Date(),
      })),
    )
    .execute();
}
