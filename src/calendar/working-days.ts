/**
 * Working days: Monday–Friday minus an optional holiday list (DESIGN §5). Calendar dates are
 * already local to the connection's zone, so the weekday of a `YYYY-MM-DD` is zone-free and is
 * computed on its UTC midnight.
 */

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function dayNumber(date: string): number {
  if (!ISO_DATE.test(date)) throw new RangeError(`Expected a YYYY-MM-DD date, got "${date}".`);
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`Expected a real calendar date, got "${date}".`);
  return Math.round(ms / DAY_MS);
}

/** 0 = Monday … 6 = Sunday, for a day number counted from 1970-01-01 (a Thursday). */
function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function isWeekday(day: number): boolean {
  return weekday(day) < 5;
}

/**
 * Mon–Fri days in [start, end], both inclusive, minus the holidays that fall on a weekday inside
 * the range (a holiday on a Saturday removes nothing: it was not a working day). 0 when end <
 * start. O(1) in the length of the range, so a year costs the same as a day.
 */
export function workingDays(start: string, end: string, holidays: Iterable<string> = []): number {
  const first = dayNumber(start);
  const last = dayNumber(end);
  if (last < first) return 0;
  const span = last - first + 1;
  const fullWeeks = Math.floor(span / 7);
  let count = fullWeeks * 5;
  for (let day = first + fullWeeks * 7; day <= last; day += 1) if (isWeekday(day)) count += 1;
  const seen = new Set<number>();
  for (const holiday of holidays) {
    const day = dayNumber(holiday);
    if (day >= first && day <= last && isWeekday(day) && !seen.has(day)) {
      seen.add(day);
      count -= 1;
    }
  }
  return count;
}

/** Whether a calendar date is a working day. */
export function isWorkingDay(date: string, holidays: Iterable<string> = []): boolean {
  return workingDays(date, date, holidays) === 1;
}
