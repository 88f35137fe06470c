import { describe, expect, it } from 'vitest';
import {
  describe as describeDistribution,
  type SimulationInput,
  simulateGroups,
} from '../../src/metrics/monte-carlo.js';
import { runMonteCarlo } from '../../src/metrics/monte-carlo-pool.js';

function input(amounts: number[], probabilities: number[], seed: number, trials = 10_000): SimulationInput {
  return {
    amounts: Float64Array.from(amounts),
    probabilities: Float64Array.from(probabilities),
    // Two groups: the first half of the deals and the second.
    groupOffsets: Int32Array.from([0, Math.floor(amounts.length / 2), amounts.length]),
    groupClosed: Float64Array.from([500, 0]),
    groupQuota: Float64Array.from([Number.NaN, Number.NaN]),
    trials,
    seed,
  };
}

describe('Monte Carlo', () => {
  const amounts = Array.from({ length: 300 }, (_, i) => 100 + ((i * 37) % 900));
  const probabilities = Array.from({ length: 300 }, (_, i) => ((i * 13) % 90) / 100);

  it('gives the same numbers for the same seed, in-thread and in workers, and others for another seed', async () => {
    const a = simulateGroups(input(amounts, probabilities, 7), 0, 2);
    const b = simulateGroups(input(amounts, probabilities, 7), 0, 2);
    expect(b.groups).toEqual(a.groups);
    expect(Array.from(b.totals)).toEqual(Array.from(a.totals));
    // Streams are per group, so splitting the groups over threads changes nothing.
    const pooled = await runMonteCarlo(input(amounts, probabilities, 7), { teamQuota: null, threads: 2 });
    expect(pooled.groups).toEqual(a.groups);
    const other = simulateGroups(input(amounts, probabilities, 8), 0, 2);
    expect(other.groups[0]?.mean).not.toBe(a.groups[0]?.mean);
  });

  it('matches the analytic mean of independent deals within 4 standard errors', async () => {
    // E[total] = closed + Σ aᵢpᵢ; Var = Σ aᵢ²pᵢ(1−pᵢ); the simulated mean of n trials has
    // standard error sd/√n, so |mean − E| < 4·SE fails by chance with probability 6e-5.
    const result = await runMonteCarlo(input(amounts, probabilities, 11), { teamQuota: null });
    const expected = 500 + amounts.reduce((s, a, i) => s + a * (probabilities[i] as number), 0);
    const variance = amounts.reduce(
      (s, a, i) => s + a * a * (probabilities[i] as number) * (1 - (probabilities[i] as number)),
      0,
    );
    const se = Math.sqrt(variance / 10_000);
    expect(Math.abs(result.team.mean - expected)).toBeLessThan(4 * se);
    expect(result.team.p10).toBeLessThanOrEqual(result.team.p50);
    expect(result.team.p50).toBeLessThanOrEqual(result.team.p90);
  });

  it('puts P50 at the analytic median of a binomial total', async () => {
    // 400 deals of 1,000 at p = 0.3: total = 1,000 × Binomial(400, 0.3), whose median is np = 120
    // (np is an integer), i.e. 120,000. sd = 1,000·√(400·0.3·0.7) ≈ 9,165; the sample median's
    // standard error ≈ 1.2533·sd/√n ≈ 115, and the totals sit on a 1,000 grid, so allow 4·SE
    // plus one grid step.
    const deals = 400;
    const result = await runMonteCarlo(
      {
        amounts: new Float64Array(deals).fill(1000),
        probabilities: new Float64Array(deals).fill(0.3),
        groupOffsets: Int32Array.from([0, deals]),
        groupClosed: Float64Array.from([0]),
        groupQuota: Float64Array.from([125_000]),
        trials: 10_000,
        seed: 3,
      },
      { teamQuota: 125_000 },
    );
    const sd = 1000 * Math.sqrt(400 * 0.3 * 0.7);
    expect(Math.abs(result.team.p50 - 120_000)).toBeLessThanOrEqual(4 * 1.2533 * (sd / 100) + 1000);
    // P(total ≥ 125,000) = P(X ≥ 125) for X ~ Bin(400, 0.3) ≈ 1 − Φ((124.5 − 120)/9.165) ≈ 0.31;
    // a share of 10,000 trials has SE ≈ 0.0046, so ±0.03 is > 6 SE and covers the normal approximation.
    expect(result.team.probabilityOfQuota).toBeGreaterThan(0.28);
    expect(result.team.probabilityOfQuota).toBeLessThan(0.34);
  });
  it('describes trials the same through a reused scratch array, leaving the trials unsorted', () => {
    // Hand-computed: sorted 1, 2, 3, 4; R-7 quantile h = 3q: p10 = 1 + 0.3, p50 = 2 + 0.5,
    // p90 = 3 + 0.7; mean 10 / 4; 2 of 4 trials reach the quota 3.
    const expected = { mean: 2.5, p10: 1.3, p50: 2.5, p90: 3.7, probabilityOfQuota: 0.5 };
    const trials = Float64Array.from([3, 1, 2, 4]);
    const scratch = Float64Array.from([9, 9, 9, 9]); // left over from an earlier group
    const withScratch = describeDistribution(trials, 3, scratch);
    for (const [key, value] of Object.entries(expected))
      expect(withScratch[key as keyof typeof expected]).toBeCloseTo(value, 12);
    expect(describeDistribution(trials, 3)).toEqual(withScratch);
    expect(Array.from(trials)).toEqual([3, 1, 2, 4]);
  });
});
