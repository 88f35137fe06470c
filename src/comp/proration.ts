import { addDays, type FiscalOptions, type Period, periodContaining } from '../calendar/periods.js';
import { workingDays } from '../calendar/working-days.js';
import { InvalidInputError } from '../domain-error.js';
import type { PayoutPeriod } from './comp-model.js';
import { type Fraction, fraction, ZERO } from './exact.js';

/**
 * Proration and payout periods (DESIGN §12). prorate = the rep's assigned working days in the
 * period ÷ the period's working days (Monday–Friday minus the connection's holidays, the same
 * count that prorates their quota, `warehouse/quotas.ts`).
 */
export interface Proration {
  readonly assigned: number;
  readonly period: number;
  readonly factor: Fraction;
}

export function prorate(
  assignment: { readonly start: string; readonly end: string },
  period: { readonly start: string; readonly end: string },
  holidays: Iterable<string> = [],
): Proration {
  const list = [...holidays];
  // ISO dates order as text (Math.min/max would turn them into NaN).
  const from = [assignment.start, period.start].sort()[1] as string;
  const to = [assignment.end, period.end].sort()[0] as string;
  const inPeriod = workingDays(period.start, period.end, list);
  const assigned = to < from ? 0 : workingDays(from, to, list);
  return {
    assigned,
    period: inPeriod,
    factor: inPeriod === 0 ? ZERO : fraction(BigInt(assigned), BigInt(inPeriod)),
  };
}

const ORDER: Record<Period['grain'], number> = { month: 0, quarter: 1, year: 2 };

/**
 * The payout periods a request covers: a monthly plan asked for a quarter lists its three
 * months, a quarterly plan asked for a year its four quarters. Asking a quarterly plan for one
 * month is refused: a quarter's payout cannot be split into months.
 */
export function payoutPeriodsIn(
  payoutPeriod: PayoutPeriod,
  requested: Period,
  fiscal: FiscalOptions,
  planName = 'the plan',
): Period[] {
  if (ORDER[requested.grain] < ORDER[payoutPeriod]) {
    throw new InvalidInputError(
      `${planName} pays per ${payoutPeriod}; ask for a ${payoutPeriod} or a longer period, not the ${requested.grain} ${requested.key}.`,
    );
  }
  const out: Period[] = [];
  for (let day = requested.start; day <= requested.end; ) {
    const period = periodContaining(payoutPeriod, day, fiscal);
    out.push(period);
    day = addDays(period.end, 1);
  }
  return out;
}
