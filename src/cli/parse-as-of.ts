import { DateTime } from 'luxon';
import { usageError } from './cli-error.js';

/** `--as-of YYYY-MM-DD`: a real calendar day, or a usage error that says what is expected. */
export function parseAsOf(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value).isValid) {
    throw usageError(`--as-of expects a date as YYYY-MM-DD, such as 2026-06-30, not "${value}".`);
  }
  return value;
}
