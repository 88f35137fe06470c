import { z } from 'zod';

/**
 * Holidays an admin stored on the connection (`settings.holidays`: ISO dates); none by default.
 * Typed by shape rather than by `Connection`, so the calendar stays below connections/.
 */
export function connectionHolidays(connection: {
  readonly settings: Readonly<Record<string, unknown>>;
}): readonly string[] {
  const parsed = z.array(z.iso.date()).safeParse(connection.settings.holidays);
  return parsed.success ? parsed.data : [];
}
