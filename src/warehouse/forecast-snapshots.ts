import type { Insertable } from 'kysely';
import type { Db } from '../db.js';
import type { ForecastSnapshotsTable } from './tables-forecast-push.js';

/**
 * `forecast_snapshots`: one row per method, subject (team = '') and day, taken by the compute
 * stage (and by replays, marked `replay`); accuracy scoring reads them. Only this module writes it.
 * A second snapshot on the same day replaces that day's row.
 */
export async function upsertForecastSnapshots(
  db: Db,
  rows: readonly Insertable<ForecastSnapshotsTable>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto('forecast_snapshots')
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) =>
        oc
          .columns(['connection_id', 'period_key', 'as_of', 'method', 'owner_id', 'replay'])
          .doUpdateSet((eb) => ({
            forecast: eb.ref('excluded.forecast'),
            closed_won: eb.ref('excluded.closed_won'),
            p10: eb.ref('excluded.p10'),
            p90: eb.ref('excluded.p90'),
            probability_of_quota: eb.ref('excluded.probability_of_quota'),
            run_id: eb.ref('excluded.run_id'),
            taken_at: new Date(),
          })),
      )
      .execute();
  }
}
