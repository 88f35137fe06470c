import {
  addDays,
  type FiscalOptions,
  localDate,
  type Period,
  periodContaining,
  shiftPeriod,
} from '../calendar/periods.js';

/**
 * Which dates the demo's story is told on, from one clock. The sandboxes generate their company up
 * to `sandboxNow`, and every report is run `--as-of` the connection's local date at that instant,
 * so the reports never look past the end of the generated data (the first days of a quarter once
 * showed an empty quarter because the reports used the local "today" of the real clock instead).
 */
export interface DemoStory {
  /** The start of the clock's UTC day: the same seed gives the same company all day long. */
  readonly sandboxNow: Date;
  /** The connection's local date at `sandboxNow`: what every report is run as of. */
  readonly asOfDate: string;
  /** The quarter the attainment section reports: the current one, or the one just closed. */
  readonly attainmentQuarter: Period;
  /** The quarter the forecast looks at: always the current one. */
  readonly forecastQuarter: Period;
  /** True when the current quarter is too young to say anything, so the last one is shown. */
  readonly showsClosedQuarter: boolean;
  /** The last closed quarter: the one a backtest can score (a running quarter has no actual yet). */
  readonly lastClosedQuarter: Period;
}

/**
 * Two weeks in, most reps have closed something; before that a manager reads last quarter's
 * final numbers, not a table of zeros.
 */
export const YOUNG_QUARTER_DAYS = 14;

export function demoSandboxNow(clock: Date): Date {
  return new Date(`${clock.toISOString().slice(0, 10)}T00:00:00Z`);
}

export function demoStory(clock: Date, fiscal: FiscalOptions): DemoStory {
  const sandboxNow = demoSandboxNow(clock);
  const asOfDate = localDate(sandboxNow, fiscal.timeZone);
  const current = periodContaining('quarter', asOfDate, fiscal);
  const showsClosedQuarter = asOfDate < addDays(current.start, YOUNG_QUARTER_DAYS);
  return {
    sandboxNow,
    asOfDate,
    attainmentQuarter: showsClosedQuarter ? shiftPeriod(current, -1, fiscal) : current,
    forecastQuarter: current,
    showsClosedQuarter,
    lastClosedQuarter: shiftPeriod(current, -1, fiscal),
  };
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * How a quarter is named to a person: a fiscal quarter of a year that does not start in January
 * says so, because "2027-Q4" running November to January surprises anyone who thinks in calendar
 * quarters.
 */
export function describeQuarter(quarter: Period, fiscal: FiscalOptions): string {
  const span = `${quarter.start} … ${quarter.end}`;
  if (fiscal.fiscalYearStartMonth === 1) return `quarter ${quarter.key} (${span})`;
  const year = periodContaining('year', quarter.start, fiscal);
  return `fiscal quarter ${quarter.key} (${span}; the fiscal year starts in ${MONTHS[fiscal.fiscalYearStartMonth - 1]}, FY${year.key} began ${year.start})`;
}
