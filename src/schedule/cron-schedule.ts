import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { InvalidInputError } from '../domain-error.js';

/**
 * The same parser BullMQ uses for job schedulers, so what validates here runs there. Shared by
 * every surface that sets a schedule (the CLI's `schedule set`, the API's PUT schedule).
 */
export function parseCron(expression: string, timeZone: string, from: Date = new Date()): Date {
  const fields = expression.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) {
    throw new InvalidInputError(
      `--cron expects 5 fields (minute hour day-of-month month day-of-week), such as "0 6 * * 1-5"; got "${expression}".`,
    );
  }
  try {
    return CronExpressionParser.parse(expression, { tz: timeZone, currentDate: from }).next().toDate();
  } catch (error) {
    throw new InvalidInputError(
      `--cron "${expression}" is not a valid cron expression (${(error as Error).message}); e.g. "0 6 * * 1-5" for 06:00 on weekdays.`,
    );
  }
}

/**
 * The next run as the schedule's own wall clock with its offset (06:00+01:00 for "0 6 * * *" in
 * Europe/Berlin in winter), not UTC: an admin checks it against the cron they wrote.
 */
export function nextRunIn(expression: string, timeZone: string, from: Date = new Date()): string {
  return DateTime.fromJSDate(parseCron(expression, timeZone, from), { zone: timeZone }).toISO({
    suppressMilliseconds: true,
  }) as string;
}
