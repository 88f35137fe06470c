import { DateTime, IANAZone } from 'luxon';
import { CalendarInputError } from './calendar-input-error.js';

/**
 * Reporting periods (DESIGN §5). Months are calendar months; quarters and years are fiscal,
 * starting in the connection's fiscal-year start month. A fiscal year is named by the calendar
 * year in which it ends — Salesforce's default ("FY2027" starting 2026-02-01 when the year starts
 * in February). Every boundary is a local calendar date in the connection's zone, both ends
 * inclusive; deals are placed in a period by their local `close_date`, never by an instant.
 */
export type Grain = 'month' | 'quarter' | 'year';

export interface Period {
  /** `2026-07`, `2026-Q3` (fiscal) or `2026` (fiscal year); also the `metric_values.period_key`. */
  readonly key: string;
  readonly grain: Grain;
  /** First day, `YYYY-MM-DD`, inclusive. */
  readonly start: string;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  readonly end: string;
}

export interface FiscalOptions {
  /** 1 = January … 12 = December. */
  readonly fiscalYearStartMonth: number;
  readonly timeZone: string;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function checkFiscalStart(month: number): void {
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`fiscalYearStartMonth must be 1-12, got ${month}.`);
  }
}

/** `YYYY-MM-DD` for year, month (1-12, may overflow either way) and day 1. */
export function monthStart(year: number, month: number): string {
  const index = year * 12 + (month - 1);
  const y = Math.floor(index / 12);
  return `${String(y).padStart(4, '0')}-${pad2(index - y * 12 + 1)}-01`;
}

function parts(date: string): { year: number; month: number; day: number } {
  const m = ISO_DATE.exec(date);
  if (!m) throw new RangeError(`Expected a YYYY-MM-DD date, got "${date}".`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** Adds whole days to a calendar date. */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** First day of the month containing `date`. */
export function firstOfMonth(date: string): string {
  const { year, month } = parts(date);
  return monthStart(year, month);
}

/** Last day of the month containing `date`. */
export function lastOfMonth(date: string): string {
  const { year, month } = parts(date);
  return addDays(monthStart(year, month + 1), -1);
}

/** First-of-month dates of every month that overlaps [start, end] (inclusive), in order. */
export function monthsBetween(start: string, end: string): string[] {
  if (end < start) return [];
  const a = parts(start);
  const b = parts(end);
  const out: string[] = [];
  for (let i = a.year * 12 + a.month - 1; i <= b.year * 12 + b.month - 1; i += 1) {
    out.push(monthStart(0, i + 1));
  }
  return out;
}

/** Calendar days in [start, end], both inclusive. */
export function daysInclusive(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000) + 1;
}

function fiscalYearStart(fiscalYear: number, startMonth: number): string {
  // FY N ends in calendar year N, so when the year starts in January it begins in N itself,
  // otherwise in N-1.
  return startMonth === 1 ? monthStart(fiscalYear, 1) : monthStart(fiscalYear - 1, startMonth);
}

/** The fiscal year (named by its ending calendar year) that contains `date`. */
export function fiscalYearOf(date: string, fiscalYearStartMonth: number): number {
  checkFiscalStart(fiscalYearStartMonth);
  const { year, month } = parts(date);
  if (fiscalYearStartMonth === 1) return year;
  return month >= fiscalYearStartMonth ? year + 1 : year;
}

function quarterPeriod(fiscalYear: number, quarter: number, startMonth: number): Period {
  const fyStart = parts(fiscalYearStart(fiscalYear, startMonth));
  const start = monthStart(fyStart.year, fyStart.month + 3 * (quarter - 1));
  const { year, month } = parts(start);
  return {
    key: `${fiscalYear}-Q${quarter}`,
    grain: 'quarter',
    start,
    end: addDays(monthStart(year, month + 3), -1),
  };
}

function yearPeriod(fiscalYear: number, startMonth: number): Period {
  const start = fiscalYearStart(fiscalYear, startMonth);
  const { year, month } = parts(start);
  return { key: String(fiscalYear), grain: 'year', start, end: addDays(monthStart(year, month + 12), -1) };
}

function monthPeriod(year: number, month: number): Period {
  const start = monthStart(year, month);
  return { key: start.slice(0, 7), grain: 'month', start, end: lastOfMonth(start) };
}

/**
 * `2026-Q3` (fiscal quarter), `2026-07` (calendar month) or `2026` (fiscal year ending in 2026).
 * A bad spec is a CalendarInputError that says which forms are accepted.
 */
export function parsePeriod(spec: string, opts: FiscalOptions): Period {
  checkFiscalStart(opts.fiscalYearStartMonth);
  const text = spec.trim();
  const bad = () =>
    new CalendarInputError(
      'period',
      spec,
      'a fiscal quarter (2026-Q3), a calendar month (2026-07) or a fiscal year (2026)',
    );
  let m = /^(\d{4})-[Qq]([1-4])$/.exec(text);
  if (m) return quarterPeriod(Number(m[1]), Number(m[2]), opts.fiscalYearStartMonth);
  m = /^(\d{4})-(\d{2})$/.exec(text);
  if (m) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) throw bad();
    return monthPeriod(Number(m[1]), month);
  }
  m = /^(?:FY)?(\d{4})$/i.exec(text);
  if (m) return yearPeriod(Number(m[1]), opts.fiscalYearStartMonth);
  throw bad();
}

/** The month, fiscal quarter or fiscal year containing a local calendar date. */
export function periodContaining(grain: Grain, date: string, opts: FiscalOptions): Period {
  const { year, month } = parts(date);
  if (grain === 'month') return monthPeriod(year, month);
  const fiscalYear = fiscalYearOf(date, opts.fiscalYearStartMonth);
  if (grain === 'year') return yearPeriod(fiscalYear, opts.fiscalYearStartMonth);
  const offset = (month - opts.fiscalYearStartMonth + 12) % 12;
  return quarterPeriod(fiscalYear, Math.floor(offset / 3) + 1, opts.fiscalYearStartMonth);
}

/** The period `n` steps after (negative: before) `period`, of the same grain. */
export function shiftPeriod(period: Period, n: number, opts: FiscalOptions): Period {
  const { year, month } = parts(period.start);
  const months = period.grain === 'month' ? 1 : period.grain === 'quarter' ? 3 : 12;
  return periodContaining(period.grain, monthStart(year, month + n * months), opts);
}

/**
 * The instant "as of" which figures are computed: for `--as-of D` the last millisecond of day D
 * in the connection's zone (DESIGN §7: everything dated or timestamped on D counts), else `now`.
 */
export function asOfInstant(asOf: string | undefined, timeZone: string, now: Date = new Date()): Date {
  if (asOf === undefined) return now;
  if (!IANAZone.isValidZone(timeZone)) throw new RangeError(`Unknown time zone "${timeZone}".`);
  const day = ISO_DATE.test(asOf) ? DateTime.fromISO(asOf, { zone: timeZone }) : null;
  if (!day?.isValid || day.toISODate() !== asOf) {
    throw new CalendarInputError('as-of', asOf, 'a date as YYYY-MM-DD (e.g. 2026-07-31)');
  }
  return day.endOf('day').toJSDate();
}

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  const date = DateTime.fromJSDate(instant, { zone: timeZone });
  if (!date.isValid) throw new RangeError(`Unknown time zone "${timeZone}".`);
  return date.toISODate() as string;
}

/** Whether the whole period lies on or before the as-of date (its figures are then final). */
export function isClosedPeriod(period: Period, asOfDate: string): boolean {
  return period.end <= asOfDate;
}
