import type { Period } from '../calendar/periods.js';
import { workingDays } from '../calendar/working-days.js';

/**
 * The run-rate projection (DESIGN §5): closed so far ÷ elapsed working days × working days in
 * the period. Attainment reports it and the forecast's `run_rate` method is it, so both read it
 * from here: two formulas under one name once showed two run rates for the same quarter.
 */
export interface PeriodPace {
  /** The period has ended on or before the as-of day: the projection is the closed amount. */
  readonly closed: boolean;
  readonly elapsed: number;
  readonly total: number;
}

/** Working days of the period, and those elapsed up to `cutoff` (the as-of day, at most the end). */
export function periodPace(
  period: Period,
  bounds: { readonly closed: boolean; readonly cutoff: string },
  holidays: readonly string[],
): PeriodPace {
  const total = workingDays(period.start, period.end, holidays);
  const elapsed = bounds.closed ? total : workingDays(period.start, bounds.cutoff, holidays);
  return { closed: bounds.closed, elapsed, total };
}

/** Null before the first working day has elapsed: there is no pace to extrapolate yet. */
export function runRateProjection(closedWon: number, pace: PeriodPace): number | null {
  if (pace.closed) return closedWon;
  return pace.elapsed > 0 ? (closedWon / pace.elapsed) * pace.total : null;
}
