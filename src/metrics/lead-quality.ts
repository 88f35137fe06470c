import { type RawBuilder, sql } from 'kysely';

/**
 * Lead quality for the fairness audit. HubSpot gives a numeric score, Salesforce a rating
 * (Hot/Warm/Cold); both map onto three tiers so the two CRMs are audited the same way.
 *
 * - rating Hot, or score ≥ 70 → high; Warm, or 40 ≤ score < 70 → medium; Cold, or score < 40
 *   → low. A rating wins over a score: it is a person's judgment, the score a formula.
 * - anything else (no score, an unknown rating) → unknown.
 *
 * Weights for quality-weighted counts: low 1, medium 2, high 3. Unknown leads weigh 2, the
 * middle, so missing data neither helps nor hurts a rep.
 */
export const QUALITY_TIERS = ['high', 'medium', 'low', 'unknown'] as const;
export type QualityTier = (typeof QUALITY_TIERS)[number];
export const KNOWN_TIERS = ['high', 'medium', 'low'] as const;

export const HIGH_SCORE = 70;
export const MEDIUM_SCORE = 40;

export const QUALITY_WEIGHT: Readonly<Record<QualityTier, number>> = Object.freeze({
  high: 3,
  medium: 2,
  low: 1,
  unknown: 2,
});

export function qualityTier(score: number | null, rating: string | null): QualityTier {
  const normalised = rating?.trim().toLowerCase();
  if (normalised === 'hot') return 'high';
  if (normalised === 'warm') return 'medium';
  if (normalised === 'cold') return 'low';
  if (score === null || !Number.isFinite(score)) return 'unknown';
  if (score >= HIGH_SCORE) return 'high';
  if (score >= MEDIUM_SCORE) return 'medium';
  return 'low';
}

/** The same rule as `qualityTier`, in SQL, over a `leads` row aliased `alias`. */
export function qualityTierSql(alias: string): RawBuilder<QualityTier> {
  const rating = sql.ref(`${alias}.rating`);
  const score = sql.ref(`${alias}.score`);
  return sql<QualityTier>`case
    when lower(trim(${rating})) = 'hot' then 'high'
    when lower(trim(${rating})) = 'warm' then 'medium'
    when lower(trim(${rating})) = 'cold' then 'low'
    when ${score} >= ${HIGH_SCORE} then 'high'
    when ${score} >= ${MEDIUM_SCORE} then 'medium'
    when ${score} is not null then 'low'
    else 'unknown' end`;
}
