import type { PlanComponent } from './comp-model.js';
import { cents, div, type Fraction, fraction, fromNumber, mul, roundToCents } from './exact.js';
import { curveMultiplier, marginalCommission } from './payout-curve.js';

/**
 * One component's payout (DESIGN §12): target incentive × prorate × weight × multiplier for a
 * curve component; the marginal commission on the credited amount for a `credited_amount`
 * component (not prorated: it is earned deal by deal). Rounded to cents, half away from zero, here
 * and nowhere else, so a statement's total is the sum of the lines it shows.
 */
export interface ComponentInputs {
  readonly targetIncentiveCents: bigint;
  /** Assigned working days ÷ period working days. */
  readonly prorate: Fraction;
  /** The rep's (or the team's, for `team_attainment`) credited closed-won, in cents (exact: splits may leave fractions of a cent). */
  readonly credited: Fraction;
  /** In cents; null or 0 = no quota, so no ratio and no payout. */
  readonly quotaCents: bigint | null;
}

export interface ComponentResult {
  /** credited ÷ quota for a curve component, credited in currency units for a commission; null without a quota. */
  readonly measure: Fraction | null;
  readonly multiplier: Fraction | null;
  readonly payoutCents: bigint;
}

export function componentPayout(component: PlanComponent, inputs: ComponentInputs): ComponentResult {
  if (component.kind === 'commission') {
    const credited = div(inputs.credited, fraction(100n));
    return {
      measure: credited,
      multiplier: null,
      payoutCents: roundToCents(marginalCommission(component.rates, credited)),
    };
  }
  if (inputs.quotaCents === null || inputs.quotaCents === 0n) {
    // No quota, no attainment (DESIGN §5: null), so nothing to pay on it.
    return { measure: null, multiplier: null, payoutCents: 0n };
  }
  const measure = div(inputs.credited, fraction(inputs.quotaCents));
  const multiplier = curveMultiplier(component, measure);
  const amount = mul(
    mul(mul(cents(inputs.targetIncentiveCents), inputs.prorate), fromNumber(component.weight)),
    multiplier,
  );
  return { measure, multiplier, payoutCents: roundToCents(amount) };
}
