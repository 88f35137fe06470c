import type { CurvePoint, RateTier } from './comp-model.js';
import { add, compare, div, type Fraction, fromNumber, min, mul, sub, ZERO } from './exact.js';

/**
 * A component's multiplier (DESIGN §12): 0 below the threshold; between two points, the line
 * through them; beyond the last point, the last segment's slope continues; then the cap. The
 * plan file guarantees at least two points, x strictly increasing, y never decreasing and a
 * threshold at or above the first point's x, so the curve is defined wherever it is read.
 */
export interface CurveSpec {
  readonly threshold: number;
  readonly curve: readonly CurvePoint[];
  readonly cap: number | null;
}

function point(p: CurvePoint): { x: Fraction; y: Fraction } {
  return { x: fromNumber(p[0]), y: fromNumber(p[1]) };
}

function onLine(a: { x: Fraction; y: Fraction }, b: { x: Fraction; y: Fraction }, x: Fraction): Fraction {
  return add(a.y, mul(sub(x, a.x), div(sub(b.y, a.y), sub(b.x, a.x))));
}

export function curveMultiplier(spec: CurveSpec, measure: Fraction): Fraction {
  if (compare(measure, fromNumber(spec.threshold)) < 0) return ZERO;
  const points = spec.curve.map(point);
  // The segment whose right end is the first point at or beyond the measure, else the last one.
  let i = 1;
  while (i < points.length - 1 && compare(measure, (points[i] as { x: Fraction }).x) > 0) i += 1;
  const value = onLine(
    points[i - 1] as { x: Fraction; y: Fraction },
    points[i] as { x: Fraction; y: Fraction },
    measure,
  );
  return spec.cap === null ? value : min(value, fromNumber(spec.cap));
}

/**
 * Marginal commission: each tier's rate applies to the part of the credited amount between its
 * threshold and the next tier's (`[[0, 0.08], [500000, 0.12]]` on 600,000 = 500,000 × 0.08 +
 * 100,000 × 0.12 = 52,000). Amounts are in currency units.
 */
export function marginalCommission(rates: readonly RateTier[], credited: Fraction): Fraction {
  let total = ZERO;
  rates.forEach(([from, rate], i) => {
    const lower = fromNumber(from);
    if (compare(credited, lower) <= 0) return;
    const next = rates[i + 1];
    const upper = next === undefined ? credited : min(credited, fromNumber(next[0]));
    total = add(total, mul(sub(upper, lower), fromNumber(rate)));
  });
  return total;
}
