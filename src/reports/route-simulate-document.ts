import { FLAG_Q_THRESHOLD, formatP, MIN_EXPECTED_FOR_FLAG, pPhrase } from '../metrics/fairness-audit.js';
import {
  benjaminiHochberg,
  binomialTestTwoSided,
  type ChiSquareResult,
  chiSquareGoodnessOfFit,
  gini,
} from '../metrics/fairness-stats.js';
import type { RepDistribution } from '../route/route-simulation.js';
import type { PeriodSimulation } from '../route/simulate-routing-period.js';

/**
 * `route simulate --json` (DESIGN §7): the rules' distribution beside what happened, each side
 * measured as the lead audit measures (§5): Gini of received ÷ expected over the reps with an
 * expected share, chi-square goodness of fit, and an exact two-sided binomial test per rep with
 * at least MIN_EXPECTED_FOR_FLAG expected leads, flagged when the Benjamini–Hochberg adjusted
 * p-value is below FLAG_Q_THRESHOLD (the flag's pValue is that adjusted one, as in the audit).
 */
export interface RouteSimulateSide {
  readonly gini: number | null;
  readonly chiSquare: ChiSquareResult;
  readonly reps: readonly { ownerEmail: string; received: number; expected: number }[];
  readonly flags: readonly { ownerEmail: string; reason: string; pValue: number | null }[];
}

export interface RouteSimulateDocument {
  readonly from: string;
  readonly to: string;
  readonly leads: number;
  readonly unrouted: number;
  readonly rulesHash: string;
  readonly simulated: RouteSimulateSide;
  readonly actual: RouteSimulateSide;
}

interface Outside {
  readonly ownerEmail: string;
  readonly received: number;
}

export function simulateSide(
  reps: readonly RepDistribution[],
  outside: readonly Outside[] = [],
): RouteSimulateSide {
  const measured = reps.filter((r) => r.expected > 0);
  const n = measured.reduce((acc, r) => acc + r.received, 0);
  const expectedTotal = measured.reduce((acc, r) => acc + r.expected, 0);
  // Expected counts are sums of fractional shares (15 × 1/3 = 4.999…): a rounding hair must not
  // decide whether a rep is tested.
  const tested = measured.filter((r) => r.expected >= MIN_EXPECTED_FOR_FLAG - 1e-9);
  const pValues = tested.map((r) =>
    binomialTestTwoSided(r.received, n, Math.min(1, r.expected / expectedTotal)),
  );
  const qValues = benjaminiHochberg(pValues);
  const flags = tested
    .map((r, i) => ({ r, p: pValues[i] as number, q: qValues[i] as number }))
    .filter(({ q }) => q < FLAG_Q_THRESHOLD)
    .sort((a, b) => a.q - b.q)
    .map(({ r, p, q }) => {
      const direction = r.received > r.expected ? 'more' : 'fewer';
      return {
        ownerEmail: r.ownerEmail,
        reason:
          `${direction} leads than expected: received ${r.received}, expected ${r.expected.toFixed(1)} ` +
          `(${(r.received / r.expected).toFixed(2)}× the fair share); exact binomial test ${pPhrase(p)}, ` +
          `${formatP(q)} after Benjamini–Hochberg correction across ${tested.length} reps tested`,
        pValue: q,
      };
    });
  // Leads held by someone outside the pool they matched count for nobody's share: listed and
  // flagged, as the audit flags leads outside the rotation, but not measured.
  const outsideFlags = outside.map((o) => ({
    ownerEmail: o.ownerEmail,
    reason: `${o.received} lead(s) of a pool this owner is not a member of (outside the rotation)`,
    pValue: null,
  }));
  const shown = new Map(reps.map((r) => [r.ownerEmail, { ...r }]));
  for (const o of outside) {
    const rep = shown.get(o.ownerEmail);
    if (rep) rep.received += o.received;
    else shown.set(o.ownerEmail, { ownerEmail: o.ownerEmail, received: o.received, expected: 0 });
  }
  return {
    gini: gini(measured.map((r) => r.received / r.expected)),
    chiSquare: chiSquareGoodnessOfFit(
      measured.map((r) => r.received),
      measured.map((r) => r.expected),
    ),
    reps: [...shown.values()].sort((a, b) => (a.ownerEmail < b.ownerEmail ? -1 : 1)),
    flags: [...flags, ...outsideFlags],
  };
}

export function routeSimulateDocument(simulation: PeriodSimulation): RouteSimulateDocument {
  const { result } = simulation;
  return {
    from: simulation.from,
    to: simulation.to,
    leads: result.leads,
    unrouted: result.unrouted,
    rulesHash: simulation.rulesHash,
    simulated: simulateSide(result.simulated.reps),
    actual: simulateSide(result.actual.reps, result.actual.outsidePools),
  };
}
