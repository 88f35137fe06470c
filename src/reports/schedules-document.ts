import { nextRunIn } from '../schedule/cron-schedule.js';
import type { NamedSchedule } from '../warehouse/schedules.js';

/** The `schedule list --json` document: one row per schedule, the next run on its own wall clock. */
export type ScheduleListItem = {
  readonly name: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly enabled: boolean;
  readonly nextRun: string | null;
};

export function schedulesDocument(
  rows: readonly NamedSchedule[],
  now: Date = new Date(),
): ScheduleListItem[] {
  return rows.map((r) => ({
    name: r.name,
    cron: r.cron,
    timeZone: r.timeZone,
    enabled: r.enabled,
    nextRun: r.enabled ? nextRunIn(r.cron, r.timeZone, now) : null,
  }));
}
