import {
  binomialLogPmf,
  binomialLowerTail,
  binomialUpperTail,
  chiSquareUpperTail,
} from './fairness-distributions.js';

/**
 * Pure statistics of the lead-distribution audit (DESIGN.md §5). Inputs are plain numbers so
 * every function can be checked against values computed by hand or read from a table.
 */

export interface ChiSquareResult {
  readonly statistic: number;
  readonly dof: number;
  /** null when there is nothing to test (fewer than two categories). */
  readonly pValue: number | null;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** Gini coefficient: 0 when every value is equal, (n−1)/n when one holds everything. */
export function gini(values: readonly number[]): number | null {
  const n = values.length;
  const total = sum(values);
  if (n === 0 || total <= 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  let weighted = 0;
  sorted.forEach((value, index) => {
    weighted += (2 * (index + 1) - n - 1) * value;
  });
  return weighted / (n * total);
}

/** Population standard deviation over the mean: the values describe every rep, not a sample. */
export function coefficientOfVariation(values: readonly number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = sum(values) / n;
  if (mean <= 0) return null;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / n) / mean;
}

/** Jain's fairness index (Σx)² ÷ (n·Σx²): 1 when equal, 1/n when one rep gets everything. */
export function jainIndex(values: readonly number[]): number | null {
  const n = values.length;
  let squares = 0;
  for (const value of values) squares += value * value;
  if (n === 0 || squares === 0) return null;
  return sum(values) ** 2 / (n * squares);
}

/** null when the smallest value is 0: the ratio is unbounded, and JSON has no Infinity. */
export function maxMinRatio(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min > 0 ? max / min : null;
}

/**
 * Pearson goodness of fit Σ(o−e)²/e with n−1 degrees of freedom, over categories with e > 0.
 * `scale` multiplies the statistic before the p-value is read; weighted counts use it.
 */
export function chiSquareGoodnessOfFit(
  observed: readonly number[],
  expected: readonly number[],
  scale = 1,
): ChiSquareResult {
  let statistic = 0;
  let categories = 0;
  observed.forEach((o, i) => {
    const e = expected[i] ?? 0;
    if (e <= 0) return;
    statistic += (o - e) ** 2 / e;
    categories += 1;
  });
  statistic *= scale;
  const dof = Math.max(0, categories - 1);
  return { statistic, dof, pValue: dof > 0 ? chiSquareUpperTail(statistic, dof) : null };
}

/**
 * Pearson test of independence on a contingency table (rows × columns of counts). Empty rows
 * and columns are dropped first: they carry no information and would make e = 0.
 */
export function chiSquareIndependence(table: readonly (readonly number[])[]): ChiSquareResult {
  const width = Math.max(0, ...table.map((row) => row.length));
  const rows = table.filter((row) => sum(row) > 0);
  const columns = Array.from({ length: width }, (_, c) => c).filter((c) =>
    rows.some((row) => (row[c] ?? 0) > 0),
  );
  const rowTotals = rows.map(sum);
  const columnTotals = columns.map((c) => sum(rows.map((row) => row[c] ?? 0)));
  const total = sum(rowTotals);
  let statistic = 0;
  rows.forEach((row, r) => {
    columns.forEach((c, k) => {
      const e = ((rowTotals[r] ?? 0) * (columnTotals[k] ?? 0)) / total;
      statistic += ((row[c] ?? 0) - e) ** 2 / e;
    });
  });
  const dof = Math.max(0, (rows.length - 1) * (columns.length - 1));
  return { statistic, dof, pValue: dof > 0 ? chiSquareUpperTail(statistic, dof) : null };
}

/**
 * Exact two-sided binomial test of k successes in n trials against p, summing the
 * probabilities of every outcome no more likely than k (the method of R's binom.test).
 * The far tail's edge is found by bisection on the monotone side of the mode, so the cost is
 * O(log n) even for a million leads.
 */
export function binomialTestTwoSided(k: number, n: number, p: number): number {
  if (n <= 0) return 1;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  const mean = n * p;
  // R's relErr: outcomes within floating noise of pmf(k) count as "as extreme".
  const threshold = binomialLogPmf(k, n, p) + Math.log1p(1e-7);
  if (Math.abs(k - mean) < 1e-9) return 1;
  if (k < mean) {
    // First j ≥ ceil(mean) with pmf(j) ≤ pmf(k); pmf decreases from there on.
    let low = Math.ceil(mean);
    let high = n + 1;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (binomialLogPmf(mid, n, p) <= threshold) high = mid;
      else low = mid + 1;
    }
    const upper = low > n ? 0 : binomialUpperTail(low, n, p);
    return Math.min(1, binomialLowerTail(k, n, p) + upper);
  }
  // Last j ≤ floor(mean) with pmf(j) ≤ pmf(k); pmf increases up to there.
  let low = -1;
  let high = Math.floor(mean);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (binomialLogPmf(mid, n, p) <= threshold) low = mid;
    else high = mid - 1;
  }
  const lower = low < 0 ? 0 : binomialLowerTail(low, n, p);
  return Math.min(1, lower + binomialUpperTail(k, n, p));
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values), in the order given: q(i) = min over j ≥ i of
 * p(j)·m/j on the ascending ranks, capped at 1.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const entry = order[rank - 1]!;
    running = Math.min(running, (entry.p * m) / rank);
    adjusted[entry.index] = Math.min(1, running);
  }
  return adjusted;
}
