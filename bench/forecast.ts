import { performance } from 'node:perf_hooks';
import { runMonteCarlo } from '../src/metrics/monte-carlo-pool.js';

/**
 * Monte Carlo at the size: 10,000 trials over 100,000 open deals spread over 50 reps.
 * Prints one JSON line (wall time, peak RSS). Goal: under 5 s.
 */
const DEALS = 100_000;
const TRIALS = 10_000;
const REPS = 50;

let state = 42;
const random = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) | 0;
  return (state >>> 0) / 4294967296;
};
const amounts = new Float64Array(DEALS);
const probabilities = new Float64Array(DEALS);
for (let i = 0; i < DEALS; i++) {
  amounts[i] = Math.round(500 + random() * 20_000);
  probabilities[i] = random() * 0.9;
}
const groupOffsets = new Int32Array(REPS + 1);
for (let g = 0; g <= REPS; g++) groupOffsets[g] = Math.round((g * DEALS) / REPS);

const started = performance.now();
const result = await runMonteCarlo(
  {
    amounts,
    probabilities,
    groupOffsets,
    groupClosed: new Float64Array(REPS),
    groupQuota: new Float64Array(REPS).fill(Number.NaN),
    trials: TRIALS,
    seed: 7,
  },
  { teamQuota: 500_000_000 },
);
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'forecast-monte-carlo',
    deals: DEALS,
    trials: TRIALS,
    reps: REPS,
    ms: Math.round(ms),
    underGoal: ms < 5000,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    team: result.team,
  })}\n`,
);
