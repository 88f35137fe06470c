import { createRequire } from 'node:module';

/** The normal quantile from jStat (which ships no types; loaded like fairness-distributions.ts). */
const require = createRequire(import.meta.url);
const { jStat } = require('jstat') as {
  jStat: { normal: { inv(p: number, mean: number, sd: number): number } };
};

/** z for a two-sided 95% interval (1.959964…). */
export const Z95 = jStat.normal.inv(0.975, 0, 1);

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/**
 * Wilson score interval for `successes` out of `n` (Wilson 1927): unlike the normal
 * approximation it stays inside [0, 1] and behaves at 0/n and n/n, which small rep samples hit
 * all the time. Null when n = 0.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** A rep is an outlier when their interval excludes the team's rate. */
export function isOutlier(interval: Interval | null, teamRate: number | null): boolean {
  if (interval === null || teamRate === null) return false;
  return teamRate < interval.low || teamRate > interval.high;
}
