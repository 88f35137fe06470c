import { createRequire } from 'node:module';
import betainc from '@stdlib/math-base-special-betainc';
import gammainc from '@stdlib/math-base-special-gammainc';

/**
 * The few jStat functions the fairness audit needs, typed here because jStat ships no types.
 * Loaded through require so no ambient `declare module 'jstat'` can collide with another
 * module's declaration of the same package.
 */
interface JStatSubset {
  gammaln(x: number): number;
}

const require = createRequire(import.meta.url);
const { jStat } = require('jstat') as { jStat: JStatSubset };

/**
 * P(X ≥ statistic) for a chi-square distribution, as the upper regularised gamma Q(dof/2, x/2)
 * evaluated directly (stdlib's port of Boost): 1 − cdf cancels to 0 below about 1e-16, so a
 * glaring imbalance and a merely clear one would both print p = 0.
 */
export function chiSquareUpperTail(statistic: number, dof: number): number {
  if (dof <= 0) return 1;
  if (statistic <= 0) return 1;
  return Math.min(1, Math.max(0, gammainc(statistic / 2, dof / 2, true, true)));
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
 * P(X ≤ k) = 1 − I_p(k+1, n−k) and P(X ≥ k) = I_p(k, n−k+1) through stdlib's incomplete beta,
 * asking for the upper side directly rather than subtracting from 1. jStat's ibeta stops its
 * continued fraction at 100 terms and a 3e-7 tolerance, which is visible at a million leads.
 */
export function binomialLowerTail(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return betainc(p, k + 1, n - k, true, true);
}

export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return betainc(p, k, n - k + 1, true, false);
}
