import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { lastOfMonth, monthsBetween } from '../calendar/periods.js';
import { workingDays } from '../calendar/working-days.js';
import type { Connection } from '../connections/connection-store.js';

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

/** Holidays an admin stored on the connection (`settings.holidays`: ISO dates); none by default. */
export function connectionHolidays(connection: Pick<Connection, 'settings'>): readonly string[] {
  const parsed = z.array(z.iso.date()).safeParse(connection.settings.holidays);
  return parsed.success ? parsed.data : [];
}

/** Parses a non-negative decimal to whole cents, rounding half up; null when it is not one. */
export function toCents(amount: string): bigint | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return null;
  const fraction = (m[2] ?? '').padEnd(3, '0');
  const cents = BigInt(m[1] as string) * 100n + BigInt(fraction.slice(0, 2));
  return Number(fraction[2]) >= 5 ? cents + 1n : cents;
}

export function centsToDecimal(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
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
