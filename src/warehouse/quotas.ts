import { type RawBuilder, sql } from 'kysely';
import { lastOfMonth, monthsBetween } from '../calendar/periods.js';
import { workingDays } from '../calendar/working-days.js';
import type { Db } from '../db.js';

/**
 * Quotas live at month grain (DESIGN §4). A row that spans several months is spread over them
 * by working days; a row that covers part of a month gives that month only the share of its
 * working days that fall inside it. That is how Salesforce Collaborative Forecasts behaves when
 * a quarterly quota is entered against monthly forecast periods, and how HubSpot goals split a
 * goal across intervals, except that both split evenly by month while we weight by working days
 * (DESIGN §5): a February with 20 working days gets less than a 23-day March.
 */
export interface MonthShare {
  /** `YYYY-MM-01`. */
  readonly month: string;
  /** Whole cents. */
  readonly cents: bigint;
}

/**
 * Spreads `cents` over the months of [start, end] in proportion to the working days of the range
 * inside each month. Largest-remainder rounding keeps the shares summing to the row's amount
 * exactly (ties go to the earlier month). Months the range touches only on weekends/holidays get
 * no share and no row. Returns [] when the range has no working day at all.
 */
export function spreadQuota(
  start: string,
  end: string,
  cents: bigint,
  holidays: readonly string[] = [],
): MonthShare[] {
  const weights = monthsBetween(start, end).map((month) => {
    const from = month < start ? start : month;
    const monthEnd = lastOfMonth(month);
    const to = monthEnd > end ? end : monthEnd;
    return { month, days: BigInt(workingDays(from, to, holidays)) };
  });
  const total = weights.reduce((sum, w) => sum + w.days, 0n);
  if (total === 0n) return [];
  const shares = weights.map((w, index) => ({
    month: w.month,
    index,
    cents: (cents * w.days) / total,
    remainder: (cents * w.days) % total,
    days: w.days,
  }));
  let left = cents - shares.reduce((sum, s) => sum + s.cents, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const share of byRemainder) {
    if (left === 0n) break;
    share.cents += 1n;
    left -= 1n;
  }
  return shares.filter((s) => s.days > 0n).map((s) => ({ month: s.month, cents: s.cents }));
}

/**
 * Effective monthly quotas for the months of [start, end]: per subject (owner or team) and month
 * the CSV row wins over the CRM row (DESIGN §7), resolved here at read time so a later CRM pull
 * never overwrites an admin's import. Columns: owner_id, team_id, month, amount.
 */
export function effectiveQuotaMonthsSql(
  connectionId: number,
  start: string,
  end: string,
): RawBuilder<unknown> {
  return sql`
    select distinct on (coalesce(q.owner_id, ''), coalesce(q.team_id, ''), q.month)
      q.owner_id, q.team_id, q.month, q.amount
    from quotas q
    where q.connection_id = ${connectionId} and q.month between ${start}::date and ${end}::date
    order by coalesce(q.owner_id, ''), coalesce(q.team_id, ''), q.month, (q.source = 'csv') desc`;
}

/**
 * Quota per subject over a period (the sum of its months). Columns: owner_id, team_id, quota.
 * A subject with only zero rows has quota 0, which attainment treats like no quota (null).
 */
export function effectiveQuotasSql(connectionId: number, start: string, end: string): RawBuilder<unknown> {
  return sql`
    select m.owner_id, m.team_id, sum(m.amount) as quota
    from (${effectiveQuotaMonthsSql(connectionId, start, end)}) m
    group by m.owner_id, m.team_id`;
}

export interface CsvQuotaMonth {
  readonly ownerId: string | null;
  readonly teamId: string | null;
  /** `YYYY-MM-01`. */
  readonly month: string;
  /** Decimal text (`centsToDecimal`). */
  readonly amount: string;
  readonly currency: string | null;
  /** `file:lines` the month came from. */
  readonly sourceRef: string;
}

/**
 * An import's month rows as `source='csv'`, in one statement (all or nothing). A row replaces the
 * earlier CSV row for its subject and month, and is rewritten only when amount or currency
 * differ, so re-importing a file changes nothing. Returns the rows inserted or changed.
 */
export async function upsertCsvQuotaMonths(
  db: Db,
  connectionId: number,
  months: readonly CsvQuotaMonth[],
): Promise<number> {
  if (months.length === 0) return 0;
  const values = months.map(
    (m) =>
      sql`(${connectionId}::int, ${m.ownerId}::text, ${m.teamId}::text, ${m.month}::date, ${m.amount}::numeric, ${m.currency}::text, ${m.sourceRef}::text)`,
  );
  // The conflict target is the unique expression index of migration 004.
  const result = await sql<{ n: number }>`
    with written as (
      insert into quotas (connection_id, owner_id, team_id, month, amount, currency, source, source_ref)
      select v.c, v.o, v.t, v.m, v.a, v.cur, 'csv', v.ref
      from (values ${sql.join(values)}) as v(c, o, t, m, a, cur, ref)
      on conflict (connection_id, coalesce(owner_id, ''), coalesce(team_id, ''), month, source)
      do update set amount = excluded.amount, currency = excluded.currency,
                    source_ref = excluded.source_ref, updated_at = now()
      where quotas.amount is distinct from excluded.amount or quotas.currency is distinct from excluded.currency
      returning 1
    )
    select count(*)::int as n from written`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/**
 * Writes of `quotas` that come from the CRM (source 'crm'). CSV rows for the same owner and
 * month win at read time, so the CRM's are stored as it says them.
 */
export interface CrmQuotaMonth {
  readonly connection_id: number;
  readonly owner_id: string | null;
  readonly team_id: string | null;
  /** First day of the month, `YYYY-MM-01`. */
  readonly month: string;
  readonly amount: string;
  readonly currency: string | null;
  readonly source: 'crm';
  readonly source_ref: string;
}

/** Returns the number of month rows inserted or changed. */
export async function upsertCrmQuotaMonths(db: Db, months: readonly CrmQuotaMonth[]): Promise<number> {
  let changed = 0;
  for (let i = 0; i < months.length; i += 1000) {
    const chunk = months.slice(i, i + 1000);
    const result = await sql<{ n: number }>`
      insert into quotas (connection_id, owner_id, team_id, month, amount, currency, source, source_ref)
      select * from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as r(
        connection_id int, owner_id text, team_id text, month date, amount numeric, currency text, source text, source_ref text)
      on conflict (connection_id, coalesce(owner_id, ''), coalesce(team_id, ''), month, source)
      do update set amount = excluded.amount, currency = excluded.currency, source_ref = excluded.source_ref, updated_at = now()
      where (quotas.amount, quotas.currency) is distinct from (excluded.amount, excluded.currency)
      returning 1 as n`.execute(db);
    changed += result.rows.length;
  }
  return changed;
}
