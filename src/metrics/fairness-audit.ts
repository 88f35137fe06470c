import {
  benjaminiHochberg,
  binomialTestTwoSided,
  type ChiSquareResult,
  chiSquareGoodnessOfFit,
  chiSquareIndependence,
  coefficientOfVariation,
  gini,
  jainIndex,
  maxMinRatio,
} from './fairness-stats.js';
import { KNOWN_TIERS, QUALITY_WEIGHT, type QualityTier } from './lead-quality.js';

/**
 * The fairness measures of DESIGN.md §5 from counts per rep, day and quality tier (aggregated
 * in SQL) and each rep's routing weight per day. Pure: no database, no clock.
 */

/** A rep is tested only when at least this many leads were expected (the test has no power below). */
export const MIN_EXPECTED_FOR_FLAG = 5;
/** False discovery rate across the reps tested in one audit. */
export const FLAG_Q_THRESHOLD = 0.05;

export interface AuditRepInput {
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly ownerName: string | null;
  /** Routing weight on each day of the period (index = day); null: outside the rotation. */
  readonly weights: readonly number[] | null;
}

export interface LeadCell {
  readonly ownerId: string;
  /** Index into `days`. */
  readonly day: number;
  readonly tier: QualityTier;
  readonly count: number;
}

export interface DistributionInput {
  /** Every day of the period, ISO, in order. */
  readonly days: readonly string[];
  readonly reps: readonly AuditRepInput[];
  readonly cells: readonly LeadCell[];
}

export interface RepAudit {
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly ownerName: string | null;
  readonly inRotation: boolean;
  readonly received: number;
  readonly expected: number;
  /** received ÷ expected; null when nothing was expected. */
  readonly ratio: number | null;
  readonly receivedQuality: number;
  readonly expectedQuality: number;
  /** Mean quality weight (low 1 … high 3) of leads with a known tier; null when none. */
  readonly avgQuality: number | null;
  readonly tiers: Readonly<Record<QualityTier, number>>;
  /** Leads received on days the rep had no weight in the rotation (each one is flagged). */
  readonly offRotationLeads: number;
  readonly pValue: number | null;
  /** Benjamini–Hochberg adjusted p-value across the reps tested. */
  readonly qValue: number | null;
  readonly flagged: boolean;
}

export interface RepFlag {
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly direction: 'more' | 'fewer';
  readonly received: number;
  readonly expected: number;
  readonly pValue: number;
  readonly qValue: number;
  readonly reason: string;
}

export interface DistributionAudit {
  /** Every lead counted in the period, in the rotation or not. */
  readonly totalLeads: number;
  /** Leads that went to reps with an expected share (the base of the measures). */
  readonly measuredLeads: number;
  readonly testedReps: number;
  readonly gini: number | null;
  readonly jain: number | null;
  readonly cv: number | null;
  readonly maxMinRatio: number | null;
  readonly chiSquare: ChiSquareResult;
  readonly qualityWeighted: { readonly gini: number | null; readonly chiSquare: ChiSquareResult };
  readonly cherryPicking: ChiSquareResult;
  readonly reps: readonly RepAudit[];
  readonly flags: readonly RepFlag[];
  /** (rep, day) cells whose leads went to someone without weight that day: flag each lead. */
  readonly offRotation: readonly { readonly ownerId: string; readonly day: number }[];
}

interface Tally {
  received: number;
  receivedQuality: number;
  expected: number;
  expectedQuality: number;
  offRotation: number;
  tiers: Record<QualityTier, number>;
}

const emptyTiers = (): Record<QualityTier, number> => ({ high: 0, medium: 0, low: 0, unknown: 0 });

/**
 * A p-value for people: 3 decimals, or 2 significant digits when tiny. The tails are computed
 * directly (not as 1 − cdf), so only a true underflow below the smallest double is shown as a bound.
 */
export function formatP(p: number): string {
  if (p < Number.MIN_VALUE) return '< 1e-300';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

/** "p = 0.012" or "p < 1e-300". */
export function pPhrase(p: number): string {
  const text = formatP(p);
  return text.startsWith('<') ? `p ${text}` : `p = ${text}`;
}

export function auditDistribution(input: DistributionInput): DistributionAudit {
  const dayCount = input.days.length;
  const repsById = new Map(input.reps.map((rep) => [rep.ownerId, rep]));
  const tallies = new Map<string, Tally>();
  const tally = (ownerId: string): Tally => {
    let t = tallies.get(ownerId);
    if (!t) {
      t = {
        received: 0,
        receivedQuality: 0,
        expected: 0,
        expectedQuality: 0,
        offRotation: 0,
        tiers: emptyTiers(),
      };
      tallies.set(ownerId, t);
    }
    return t;
  };
  const rotation = input.reps.filter((rep) => rep.weights !== null);
  const totalWeight = new Float64Array(dayCount);
  for (const rep of rotation) {
    rep.weights!.forEach((w, d) => {
      if (d < dayCount && w > 0) totalWeight[d] = (totalWeight[d] ?? 0) + w;
    });
  }

  // Leads per day that the rotation shares out: those received by rotation members.
  const leadsPerDay = new Float64Array(dayCount);
  const qualityPerDay = new Float64Array(dayCount);
  const offRotation: { ownerId: string; day: number }[] = [];
  let totalLeads = 0;
  let squaredQuality = 0;
  let linearQuality = 0;
  for (const cell of input.cells) {
    totalLeads += cell.count;
    const t = tally(cell.ownerId);
    const weight = QUALITY_WEIGHT[cell.tier];
    t.received += cell.count;
    t.receivedQuality += cell.count * weight;
    t.tiers[cell.tier] += cell.count;
    const rep = repsById.get(cell.ownerId);
    const dayWeight = rep?.weights?.[cell.day] ?? 0;
    if (dayWeight <= 0) {
      t.offRotation += cell.count;
      offRotation.push({ ownerId: cell.ownerId, day: cell.day });
    }
    if (rep?.weights && (totalWeight[cell.day] ?? 0) > 0) {
      leadsPerDay[cell.day] = (leadsPerDay[cell.day] ?? 0) + cell.count;
      qualityPerDay[cell.day] = (qualityPerDay[cell.day] ?? 0) + cell.count * weight;
      linearQuality += cell.count * weight;
      squaredQuality += cell.count * weight * weight;
    }
  }

  // expected(rep) = Σ over days of leads that day × weight ÷ Σ weights of reps available that day.
  for (const rep of rotation) {
    const t = tally(rep.ownerId);
    rep.weights!.forEach((w, d) => {
      const total = totalWeight[d] ?? 0;
      if (w <= 0 || total <= 0 || d >= dayCount) return;
      t.expected += ((leadsPerDay[d] ?? 0) * w) / total;
      t.expectedQuality += ((qualityPerDay[d] ?? 0) * w) / total;
    });
  }

  const measured = rotation.map((rep) => ({ rep, t: tally(rep.ownerId) })).filter(({ t }) => t.expected > 0);
  const measuredLeads = measured.reduce((acc, { t }) => acc + t.received, 0);
  const expectedTotal = measured.reduce((acc, { t }) => acc + t.expected, 0);
  // Rescaled to the received total in case leads fell on days nobody was available (flagged).
  const rescale = expectedTotal > 0 ? measuredLeads / expectedTotal : 1;
  const ratios = measured.map(({ t }) => t.received / t.expected);
  const qualityMeasured = measured.filter(({ t }) => t.expectedQuality > 0);
  const qualityRatios = qualityMeasured.map(({ t }) => t.receivedQuality / t.expectedQuality);
  const qualityExpectedTotal = qualityMeasured.reduce((acc, { t }) => acc + t.expectedQuality, 0);
  const qualityRescale = qualityExpectedTotal > 0 ? linearQuality / qualityExpectedTotal : 1;

  // Binomial tests, then BH across the reps with enough expected leads to test.
  const tested = measured.filter(({ t }) => t.expected >= MIN_EXPECTED_FOR_FLAG);
  const pValues = tested.map(({ t }) =>
    binomialTestTwoSided(t.received, measuredLeads, Math.min(1, t.expected / expectedTotal)),
  );
  const qValues = benjaminiHochberg(pValues);
  const tests = new Map(tested.map(({ rep }, i) => [rep.ownerId, { p: pValues[i]!, q: qValues[i]! }]));

  const reps: RepAudit[] = [...tallies.entries()].map(([ownerId, t]) => {
    const rep = repsById.get(ownerId);
    const test = tests.get(ownerId);
    const known = KNOWN_TIERS.reduce((acc, tier) => acc + t.tiers[tier], 0);
    const knownWeight = KNOWN_TIERS.reduce((acc, tier) => acc + t.tiers[tier] * QUALITY_WEIGHT[tier], 0);
    return {
      ownerId,
      ownerEmail: rep?.ownerEmail ?? ownerId,
      ownerName: rep?.ownerName ?? null,
      inRotation: rep?.weights?.some((w) => w > 0) ?? false,
      received: t.received,
      expected: t.expected,
      ratio: t.expected > 0 ? t.received / t.expected : null,
      receivedQuality: t.receivedQuality,
      expectedQuality: t.expectedQuality,
      avgQuality: known > 0 ? knownWeight / known : null,
      tiers: t.tiers,
      offRotationLeads: t.offRotation,
      pValue: test?.p ?? null,
      qValue: test?.q ?? null,
      flagged: test !== undefined && test.q < FLAG_Q_THRESHOLD,
    };
  });
  // The rotation as listed, plus anyone else who received a lead (DESIGN.md §7).
  const shown = reps
    .filter((rep) => rep.inRotation || rep.received > 0)
    .sort((a, b) => a.ownerEmail.localeCompare(b.ownerEmail));

  const flags: RepFlag[] = shown
    .filter((rep) => rep.flagged)
    .map((rep) => {
      const direction = rep.received > rep.expected ? ('more' as const) : ('fewer' as const);
      const times = rep.received / rep.expected;
      return {
        ownerId: rep.ownerId,
        ownerEmail: rep.ownerEmail,
        direction,
        received: rep.received,
        expected: rep.expected,
        pValue: rep.pValue!,
        qValue: rep.qValue!,
        reason:
          `${direction} leads than expected: received ${rep.received}, expected ${rep.expected.toFixed(1)} ` +
          `(${times.toFixed(2)}× the fair share); exact binomial test ${pPhrase(rep.pValue!)}, ` +
          `${formatP(rep.qValue!)} after Benjamini–Hochberg correction across ${tested.length} reps tested`,
      };
    })
    .sort((a, b) => a.qValue - b.qValue);

  const cherryTable = measured.map(({ t }) => KNOWN_TIERS.map((tier) => t.tiers[tier]));
  return {
    totalLeads,
    measuredLeads,
    testedReps: tested.length,
    gini: gini(ratios),
    jain: jainIndex(ratios),
    cv: coefficientOfVariation(ratios),
    maxMinRatio: maxMinRatio(ratios),
    chiSquare: chiSquareGoodnessOfFit(
      measured.map(({ t }) => t.received),
      measured.map(({ t }) => t.expected * rescale),
    ),
    qualityWeighted: {
      gini: gini(qualityRatios),
      // Weighted counts vary more than plain counts; Σq/Σq² brings the statistic back to the
      // chi-square scale (exactly 1 when every lead weighs the same).
      chiSquare: chiSquareGoodnessOfFit(
        qualityMeasured.map(({ t }) => t.receivedQuality),
        qualityMeasured.map(({ t }) => t.expectedQuality * qualityRescale),
        squaredQuality > 0 ? linearQuality / squaredQuality : 1,
      ),
    },
    cherryPicking: chiSquareIndependence(cherryTable),
    reps: shown,
    flags,
    offRotation,
  };
}
