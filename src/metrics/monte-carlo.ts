/**
 * Monte Carlo over open deals: pure kernel, no I/O, so the worker and the tests run the same
 * code. Each deal closes won inside the period with one probability (its win probability ×
 * the chance its time-to-close lands in the period); a trial adds the amounts of the deals that
 * did. Deals are grouped (one group per rep) so rep and team distributions come from the same
 * trials: the team total of a trial is the sum of its group totals.
 */

export interface SimulationInput {
  /** Amount of each open deal, deals of one group contiguous. */
  readonly amounts: Float64Array;
  /** Probability (0..1) that the deal is won within the period. */
  readonly probabilities: Float64Array;
  /** Deals of group g are [offsets[g], offsets[g+1]); length = groups + 1. */
  readonly groupOffsets: Int32Array;
  /** Already closed-won amount of each group: every trial starts from it. */
  readonly groupClosed: Float64Array;
  /** Quota of each group; NaN = none. */
  readonly groupQuota: Float64Array;
  readonly trials: number;
  readonly seed: number;
}

export interface Distribution {
  readonly mean: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  /** Share of trials reaching the quota; null without a quota. */
  readonly probabilityOfQuota: number | null;
}

export interface GroupSimulation {
  readonly groups: readonly Distribution[];
  /** Per-trial sum over the simulated groups (for the team distribution). */
  readonly totals: Float64Array;
}

const TWO_32 = 4294967296;

/**
 * Seed of one group's stream. Streams are per group, not per thread, so the numbers do not
 * depend on how many workers share the groups. splitmix32 spreads neighbouring seeds apart.
 */
export function groupSeed(seed: number, group: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b1) + Math.imul(group + 1, 0x85ebca6b)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z ^= z >>> 15;
  return z === 0 ? 0x6d2b79f5 : z;
}

/** Linear-interpolation quantile (R type 7, the spreadsheet PERCENTILE) of sorted values. */
export function sortedQuantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * `scratch` (as long as `values`) is where the sorted copy is made: simulateGroups describes
 * 1,000 groups in a row, and a fresh 80 KB copy for each is off-heap garbage that V8 collected
 * too late (~45 MB per worker thread at 250k open deals; VmHWM, bench/monte-carlo-memory.ts: 228 → 170 MB under tsx).
 */
export function describe(values: Float64Array, quota: number, scratch?: Float64Array): Distribution {
  const sorted = scratch === undefined ? Float64Array.from(values) : scratch;
  if (scratch !== undefined) sorted.set(values);
  sorted.sort();
  let sum = 0;
  let reached = 0;
  for (let t = 0; t < sorted.length; t++) {
    const v = sorted[t] as number;
    sum += v;
    if (v >= quota) reached++;
  }
  return {
    mean: sorted.length ? sum / sorted.length : 0,
    p10: sortedQuantile(sorted, 0.1),
    p50: sortedQuantile(sorted, 0.5),
    p90: sortedQuantile(sorted, 0.9),
    probabilityOfQuota: Number.isNaN(quota) || sorted.length === 0 ? null : reached / sorted.length,
  };
}

/**
 * Simulates groups [from, to). The inner loop runs over trials for one deal at a time: the
 * trial vector (80 KB at 10,000 trials) stays in cache, and the hit is added branch-free
 * (a 50/50 branch mispredicts half the time and doubles the run time).
 */
export function simulateGroups(input: SimulationInput, from: number, to: number): GroupSimulation {
  const { amounts, probabilities, groupOffsets, groupClosed, groupQuota, trials } = input;
  const totals = new Float64Array(trials);
  const group = new Float64Array(trials);
  const scratch = new Float64Array(trials);
  const groups: Distribution[] = [];
  for (let g = from; g < to; g++) {
    group.fill(groupClosed[g] as number);
    let x = groupSeed(input.seed, g);
    const end = groupOffsets[g + 1] as number;
    for (let i = groupOffsets[g] as number; i < end; i++) {
      const p = probabilities[i] as number;
      const amount = amounts[i] as number;
      if (!(p > 0) || amount === 0) continue;
      // Compare uint32 draws with p × 2^32: one integer comparison per trial, no float conversion.
      const threshold = p >= 1 ? TWO_32 : Math.floor(p * TWO_32);
      for (let t = 0; t < trials; t++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        // A boolean times a number is 0 or the amount; V8 compiles it without a branch.
        group[t] = (group[t] as number) + amount * ((x >>> 0 < threshold) as unknown as number);
      }
    }
    for (let t = 0; t < trials; t++) totals[t] = (totals[t] as number) + (group[t] as number);
    groups.push(describe(group, groupQuota[g] as number, scratch));
  }
  return { groups, totals };
}
