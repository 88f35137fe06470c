import { sql } from 'kysely';
import type { Period } from '../calendar/periods.js';
import type { Db } from '../db.js';
import { wonCreditsSql } from '../warehouse/deal-credits.js';
import { upsertForecastAccuracy } from '../warehouse/forecast-accuracy.js';
import { FORECAST_METHODS, type ForecastMethod } from './forecast.js';

/**
 * Forecast accuracy (DESIGN §5): once a period has closed, each method's snapshot from weeks 1,
 * 4 and 8 is scored by absolute percentage error and signed bias against the closed-won total.
 * The default method is the lowest mean week-4 error over the last 4 closed periods with a
 * non-zero actual; CRM-weighted until there is any.
 */
export const SCORED_WEEKS = [1, 4, 8] as const;
export const DEFAULT_METHOD: ForecastMethod = 'crm_weighted';
export const SELECTION_PERIODS = 4;
/** Mean errors closer than this (a billionth of a percentage point) are equal. */
export const TIE_TOLERANCE = 1e-11;

export interface Score {
  readonly absPctError: number | null;
  readonly bias: number | null;
}

/** |f − a| ÷ a and (f − a) ÷ a; null when the actual is 0 (a ratio to nothing means nothing). */
export function scoreForecast(forecast: number, actual: number): Score {
  if (actual === 0) return { absPctError: null, bias: null };
  return { absPctError: Math.abs(forecast - actual) / actual, bias: (forecast - actual) / actual };
}

/**
 * Closed-won total of a period as the warehouse knows it now (the actual): the credited amount
 * that `report attainment` shows for the whole team, so a method is scored against that figure.
 */
export async function actualClosedWon(db: Db, connectionId: number, period: Period): Promise<number> {
  const row = await sql<{ total: string | null }>`
    select sum(c.credit) as total
    from (${wonCreditsSql(connectionId, period.start, period.end)}) c
    where c.owner_id is not null`.execute(db);
  return Number(row.rows[0]?.total ?? 0);
}

export interface AccuracyRow {
  readonly periodKey: string;
  readonly method: ForecastMethod;
  readonly week: number;
  readonly source: 'snapshot' | 'backtest';
  readonly forecast: number;
  readonly actual: number;
  readonly absPctError: number | null;
  readonly bias: number | null;
}

export async function saveAccuracy(
  db: Db,
  connectionId: number,
  period: Period,
  rows: readonly Omit<AccuracyRow, 'periodKey'>[],
): Promise<void> {
  await upsertForecastAccuracy(
    db,
    rows.map((r) => ({
      connection_id: connectionId,
      period_key: period.key,
      period_end: period.end,
      method: r.method,
      week: r.week,
      source: r.source,
      forecast: r.forecast,
      actual: r.actual,
      abs_pct_error: r.absPctError,
      bias: r.bias,
    })),
  );
}

/**
 * Scores every closed quarter that has live (non-replay) snapshots and no live score yet: the
 * earliest snapshot taken in each of weeks 1, 4 and 8 stands for that week.
 */
export async function scoreClosedPeriods(db: Db, connectionId: number, asOfDate: string): Promise<number> {
  const due = await sql<{ period_key: string; period_start: string; period_end: string }>`
    select distinct s.period_key, s.period_start::text, s.period_end::text
    from forecast_snapshots s
    where s.connection_id = ${connectionId} and not s.replay and s.period_end < ${asOfDate}::date
      and not exists (select 1 from forecast_accuracy a where a.connection_id = s.connection_id
        and a.period_key = s.period_key and a.source = 'snapshot')`.execute(db);
  for (const p of due.rows) {
    const period: Period = { key: p.period_key, grain: 'quarter', start: p.period_start, end: p.period_end };
    const actual = await actualClosedWon(db, connectionId, period);
    const snaps = await sql<{ method: string; week: number; forecast: string }>`
      select distinct on (method, week) method, week, forecast::text
      from forecast_snapshots
      where connection_id = ${connectionId} and period_key = ${period.key} and not replay
        and owner_id = '' and week in (1, 4, 8)
      order by method, week, as_of`.execute(db);
    await saveAccuracy(
      db,
      connectionId,
      period,
      snaps.rows
        .filter((s): s is typeof s & { method: ForecastMethod } =>
          (FORECAST_METHODS as readonly string[]).includes(s.method),
        )
        .map((s) => ({
          method: s.method,
          week: s.week,
          source: 'snapshot' as const,
          forecast: Number(s.forecast),
          actual,
          ...scoreForecast(Number(s.forecast), actual),
        })),
    );
  }
  return due.rows.length;
}

export async function loadAccuracy(db: Db, connectionId: number): Promise<AccuracyRow[]> {
  const rows = await db
    .selectFrom('forecast_accuracy')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .orderBy('period_end')
    .orderBy('method')
    .orderBy('week')
    .execute();
  return rows.map((r) => ({
    periodKey: r.period_key,
    method: r.method as ForecastMethod,
    week: r.week,
    source: r.source,
    forecast: Number(r.forecast),
    actual: Number(r.actual),
    absPctError: r.abs_pct_error,
    bias: r.bias,
  }));
}

export interface MethodSummary {
  readonly method: ForecastMethod;
  readonly periods: readonly string[];
  readonly meanWeek4Error: number | null;
  readonly meanWeek4Bias: number | null;
}

/**
 * Mean week-4 error per method over the last SELECTION_PERIODS closed periods with a non-zero
 * actual. A live score wins over a backtest score for the same period.
 */
export function summarizeAccuracy(rows: readonly AccuracyRow[]): {
  summaries: MethodSummary[];
  best: ForecastMethod;
} {
  const week4 = new Map<string, AccuracyRow>();
  for (const r of rows) {
    if (r.week !== 4 || r.absPctError === null) continue;
    const key = `${r.periodKey}|${r.method}`;
    const held = week4.get(key);
    if (!held || (held.source === 'backtest' && r.source === 'snapshot')) week4.set(key, r);
  }
  const periods = [...new Set(rows.filter((r) => r.actual !== 0).map((r) => r.periodKey))];
  const order = new Map(rows.map((r, i) => [r.periodKey, i]));
  periods.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const recent = periods.slice(-SELECTION_PERIODS);
  const summaries = FORECAST_METHODS.map((method) => {
    const scored = recent.flatMap((p) => {
      const r = week4.get(`${p}|${method}`);
      return r && r.absPctError !== null && r.bias !== null ? [r] : [];
    });
    const mean = (pick: (r: AccuracyRow) => number) =>
      scored.length ? scored.reduce((a, r) => a + pick(r), 0) / scored.length : null;
    return {
      method,
      periods: scored.map((r) => r.periodKey),
      meanWeek4Error: mean((r) => r.absPctError as number),
      meanWeek4Bias: mean((r) => r.bias as number),
    };
  });
  // Ties go to the method listed first in FORECAST_METHODS (the plainer CRM figures before the
  // modelled ones). Means equal but for float rounding (0.1 + 0.2 + 0.3 ≠ 0.3 + 0.2 + 0.1) are a
  // tie: a method must be lower by more than TIE_TOLERANCE to displace an earlier one.
  let best: ForecastMethod = DEFAULT_METHOD;
  let bestError = Number.POSITIVE_INFINITY;
  for (const s of summaries) {
    if (s.meanWeek4Error !== null && s.meanWeek4Error < bestError - TIE_TOLERANCE) {
      best = s.method;
      bestError = s.meanWeek4Error;
    }
  }
  return { summaries, best };
}

export async function defaultForecastMethod(db: Db, connectionId: number): Promise<ForecastMethod> {
  return summarizeAccuracy(await loadAccuracy(db, connectionId)).best;
}
