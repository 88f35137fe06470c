import { sql } from 'kysely';
import { daysInclusive, localDate, type Period, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
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

/**
 * Diffs open deals against the last state seen and appends one row per changed field; deals
 * that left the open set get a 'closed' row. Set-based: three statements, whatever the size.
 */
export async function recordDealChanges(
  db: Db,
  connectionId: number,
  at: Date,
  runId: number | null,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`
      create temporary table forecast_current on commit drop as
      select d.external_id as deal_id, d.stage_id, coalesce(d.amount_home, d.amount) as amount, d.close_date,
        d.probability, coalesce(d.forecast_category, s.forecast_category) as category, d.owner_id
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
      where d.connection_id = ${connectionId} and not d.is_deleted and not s.is_closed`.execute(trx);
    const inserted = await sql`
      insert into forecast_deal_changes (connection_id, deal_id, field, old_value, new_value, changed_at, run_id)
      select ${connectionId}, x.deal_id, x.field, x.old_value, x.new_value, ${at}, ${runId}
      from (
        select c.deal_id, 'opened' as field, null as old_value, c.stage_id as new_value
        from forecast_current c
        where not exists (select 1 from forecast_deal_state p where p.connection_id = ${connectionId} and p.deal_id = c.deal_id)
        union all
        select c.deal_id, v.field, v.old_value, v.new_value
        from forecast_current c
        join forecast_deal_state p on p.connection_id = ${connectionId} and p.deal_id = c.deal_id
        cross join lateral (values
          ('stage', p.stage_id, c.stage_id, p.stage_id is distinct from c.stage_id),
          ('amount', p.amount::text, c.amount::text, p.amount is distinct from c.amount),
          ('close_date', p.close_date::text, c.close_date::text, p.close_date is distinct from c.close_date),
          ('probability', p.probability::text, c.probability::text, p.probability is distinct from c.probability),
          ('category', p.category, c.category, p.category is distinct from c.category),
          ('owner', p.owner_id, c.owner_id, p.owner_id is distinct from c.owner_id)
        ) as v(field, old_value, new_value, changed)
        where v.changed
        union all
        select p.deal_id, 'closed', p.stage_id, coalesce(d.stage_id, '')
        from forecast_deal_state p
        left join deals d on d.connection_id = p.connection_id and d.external_id = p.deal_id
        where p.connection_id = ${connectionId}
          and not exists (select 1 from forecast_current c where c.deal_id = p.deal_id)
      ) x`.execute(trx);
    await sql`
      delete from forecast_deal_state p where p.connection_id = ${connectionId}
        and not exists (select 1 from forecast_current c where c.deal_id = p.deal_id)`.execute(trx);
    await sql`
      insert into forecast_deal_state (connection_id, deal_id, stage_id, amount, close_date, probability, category, owner_id, seen_at)
      select ${connectionId}, deal_id, stage_id, amount, close_date, probability, category, owner_id, ${at}
      from forecast_current
      on conflict (connection_id, deal_id) do update set
        stage_id = excluded.stage_id, amount = excluded.amount, close_date = excluded.close_date,
        probability = excluded.probability, category = excluded.category, owner_id = excluded.owner_id,
        seen_at = excluded.seen_at`.execute(trx);
    return Number(inserted.numAffectedRows ?? 0);
  });
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
