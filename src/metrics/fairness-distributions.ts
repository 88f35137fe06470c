import { createRequire } from 'node:module';

/**
 * The few jStat functions the fairness audit needs, typed here because jStat ships no types.
 * Loaded through require so no ambient `declare module 'jstat'` can collide with another
 * module's declaration of the same package.
 */
interface JStatSubset {
  gammaln(x: number): number;
  /** Regularised incomplete beta I_x(a, b). */
  ibeta(x: number, a: number, b: number): number;
  chisquare: { cdf(x: number, dof: number): number };
}

const require = createRequire(import.meta.url);
const { jStat } = require('jstat') as { jStat: JStatSubset };

/** P(X ≥ statistic) for a chi-square distribution; 0 when it underflows double precision. */
export function chiSquareUpperTail(statistic: number, dof: number): number {
  if (dof <= 0) return 1;
  if (statistic <= 0) return 1;
  return Math.min(1, Math.max(0, 1 - jStat.chisquare.cdf(statistic, dof)));
}

/** ln P(X = k) for X ~ Binomial(n, p), stable for n in the millions. */
export function binomialLogPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  if (p === 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (p === 1) return k === n ? 0 : Number.NEGATIVE_INFINITY;
  return (
    jStat.gammaln(n + 1) -
    jStat.gammaln(k + 1) -
    jStat.gammaln(n - k + 1) +
    k * Math.log(p) +
    (n - k) * Math.log1p(-p)
  );
}

/**
 * P(X ≤ k) and P(X ≥ k) through the incomplete beta function, which unlike jStat's own
 * binomial cdf is not rounded to 1e-10 (tiny p-values stay distinguishable).
 */
export function binomialLowerTail(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return jStat.ibeta(1 - p, n - k, k + 1);
}

export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return jStat.ibeta(p, k, n - k + 1);
}
