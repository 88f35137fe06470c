import { describe, expect, it } from 'vitest';
import { formatP } from '../../src/metrics/fairness-audit.js';
import {
  benjaminiHochberg,
  binomialTestTwoSided,
  chiSquareGoodnessOfFit,
  chiSquareIndependence,
  coefficientOfVariation,
  gini,
  jainIndex,
  maxMinRatio,
} from '../../src/metrics/fairness-stats.js';

describe('inequality measures', () => {
  it('are perfectly equal on equal values', () => {
    expect(gini([1, 1, 1, 1])).toBe(0);
    expect(jainIndex([1, 1, 1, 1])).toBe(1);
    expect(coefficientOfVariation([1, 1, 1, 1])).toBe(0);
    expect(maxMinRatio([1, 1, 1, 1])).toBe(1);
  });

  it.each([2, 4, 10])('give Gini (n−1)/n and Jain 1/n when one of %i holds everything', (n) => {
    const values = [n, ...new Array<number>(n - 1).fill(0)];
    expect(gini(values)).toBeCloseTo((n - 1) / n, 12);
    expect(jainIndex(values)).toBeCloseTo(1 / n, 12);
    // mean 1; variance = ((n−1)² + (n−1)·1) / n = n − 1 → CV = √(n−1).
    expect(coefficientOfVariation(values)).toBeCloseTo(Math.sqrt(n - 1), 12);
    expect(maxMinRatio(values)).toBeNull();
  });

  it('match hand-computed values on a small uneven split', () => {
    // x = 1, 2, 3: Σ(2i−n−1)x = −2·1 + 0·2 + 2·3 = 4; Gini = 4 / (3·6) = 2/9.
    expect(gini([3, 1, 2])).toBeCloseTo(2 / 9, 12);
    // Jain = 6² / (3·14) = 36/42.
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42, 12);
    // population sd = √(2/3), mean 2.
    expect(coefficientOfVariation([1, 2, 3])).toBeCloseTo(Math.sqrt(2 / 3) / 2, 12);
    expect(maxMinRatio([1, 2, 3])).toBe(3);
  });

  it('return null where undefined', () => {
    expect(gini([])).toBeNull();
    expect(jainIndex([0, 0])).toBeNull();
    expect(coefficientOfVariation([])).toBeNull();
  });
});

describe('chi-square', () => {
  it('reads p-values that match chi-square tables', () => {
    // Critical values at 5%: 3.841 (1 dof), 16.919 (9 dof); at 1%: 11.345 (3 dof).
    const oneDof = chiSquareGoodnessOfFit([1, 0], [1, 1]);
    expect(oneDof.dof).toBe(1);
    expect(
      chiSquareGoodnessOfFit([50 + Math.sqrt(3.841459 * 25), 50 - Math.sqrt(3.841459 * 25)], [50, 50]).pValue,
    ).toBeCloseTo(0.05, 5);
    // Σ(o−e)²/e = 100/50 + 100/50 = 4 → P(χ²₁ ≥ 4) = 0.0455 (table).
    const gof = chiSquareGoodnessOfFit([60, 40], [50, 50]);
    expect(gof.statistic).toBe(4);
    expect(gof.pValue).toBeCloseTo(0.0455, 4);
  });

  it('keeps far-tail p-values instead of rounding them to 0', () => {
    // One dof, χ² = (100−50)²/50 + (0−50)²/50 = 100: Q(½, 50) = erfc(√50) = 1.523970604832105e-23
    // (mpmath at 40 digits; scipy.stats.chi2.sf(100, 1) agrees). 1 − cdf gave exactly 0.
    const far = chiSquareGoodnessOfFit([100, 0], [50, 50]);
    expect(far.statistic).toBe(100);
    expect(far.pValue! / 1.523970604832105e-23).toBeCloseTo(1, 12);
    // What a person reads: the value itself, not a "< 1e-15" floor.
    expect(formatP(far.pValue!)).toBe('1.5e-23');
    // Three dof, χ² = (150² + 3·50²)/100 = 300: scipy.stats.chi2.sf(300, 3) = 9.948758346327588e-65.
    const wide = chiSquareGoodnessOfFit([250, 50, 50, 50], [100, 100, 100, 100]);
    expect(wide.statistic).toBe(300);
    expect(wide.pValue! / 9.948758346327588e-65).toBeCloseTo(1, 10);
  });

  it('scales weighted statistics and skips empty categories', () => {
    const scaled = chiSquareGoodnessOfFit([60, 40, 0], [50, 50, 0], 0.5);
    expect(scaled.statistic).toBe(2);
    expect(scaled.dof).toBe(1);
    expect(chiSquareGoodnessOfFit([5], [5]).pValue).toBeNull();
  });

  it('tests independence on a contingency table', () => {
    // 2×2 [[30,10],[10,30]]: every expected cell 20 → 4 × 100/20 = 20, 1 dof; p = 7.74e-6.
    const result = chiSquareIndependence([
      [30, 10],
      [10, 30],
      [0, 0],
    ]);
    expect(result.statistic).toBeCloseTo(20, 12);
    expect(result.dof).toBe(1);
    expect(result.pValue).toBeCloseTo(7.744e-6, 8);
    // Proportional rows: no association at all.
    expect(
      chiSquareIndependence([
        [10, 20, 30],
        [20, 40, 60],
      ]).statistic,
    ).toBeCloseTo(0, 12);
  });
});

describe('exact two-sided binomial test', () => {
  it('matches values computed by hand', () => {
    // P(X ≥ 7 | 10, ½) = (120 + 45 + 10 + 1)/1024 = 176/1024; doubled by symmetry.
    expect(binomialTestTwoSided(7, 10, 0.5)).toBeCloseTo(352 / 1024, 12);
    expect(binomialTestTwoSided(0, 10, 0.5)).toBeCloseTo(2 / 1024, 12);
    // n = 5, p = 0.2, k = 0: pmf 0.32768, 0.4096, 0.2048, …; outcomes no likelier than k = 0
    // are {0} ∪ {2..5} → 0.32768 + (1 − 0.32768 − 0.4096) = 0.5904.
    expect(binomialTestTwoSided(0, 5, 0.2)).toBeCloseTo(0.5904, 10);
    expect(binomialTestTwoSided(5, 10, 0.5)).toBe(1);
  });

  it("matches R's binom.test examples", () => {
    // ?binom.test: binom.test(c(682, 243), p = 3/4) → p-value = 0.3825.
    expect(binomialTestTwoSided(682, 925, 0.75)).toBeCloseTo(0.3825, 4);
    // binom.test(60, 100) → p-value = 0.05689.
    expect(binomialTestTwoSided(60, 100, 0.5)).toBeCloseTo(0.05689, 5);
  });

  it('keeps tiny tails exact instead of losing digits', () => {
    // k = 0 of 100 at ½: 2·2⁻¹⁰⁰ exactly = 1.5777218104420236e-30.
    expect(binomialTestTwoSided(0, 100, 0.5) / 2 ** -99).toBeCloseTo(1, 13);
    // scipy.stats.binomtest(95, 100, 0.5).pvalue = 1.252324512538536e-22.
    expect(binomialTestTwoSided(95, 100, 0.5) / 1.252324512538536e-22).toBeCloseTo(1, 12);
    // scipy.stats.binomtest(101000, 1000000, 0.1).pvalue = 0.000873646601867903: jStat's beta
    // continued fraction (100 steps, 3e-7 tolerance) was off in the 8th digit here.
    expect(binomialTestTwoSided(101_000, 1_000_000, 0.1) / 0.000873646601867903).toBeCloseTo(1, 10);
  });

  it('stays fast and finite at a million trials', () => {
    const started = performance.now();
    const p = binomialTestTwoSided(1200, 1_000_000, 0.001);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-8);
    expect(binomialTestTwoSided(1000, 1_000_000, 0.001)).toBeCloseTo(1, 2);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('Benjamini–Hochberg', () => {
  it('adjusts a textbook example', () => {
    // ranks .005(1) .01(2) .03(3) .04(4), m = 4: .02, .02, .04, .04 (running minimum from the top).
    expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.005])).toEqual([0.02, 0.04, 0.04, 0.02]);
    expect(benjaminiHochberg([0.9, 0.8])).toEqual([0.9, 0.9]);
    expect(benjaminiHochberg([])).toEqual([]);
  });
});
