import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { runMonteCarlo } from '../src/metrics/monte-carlo-pool.js';

/**
 * Peak RSS (VmHWM) of one Monte Carlo run at the 1M-deal bench's shape: 250,000 open deals in
 * 1,000 rep groups, 10,000 trials, worker threads as compute runs them. Prints one JSON line.
 * `MC_THREADS=n` pins the thread count. Synthetic amounts and probabilities (not a forecast).
 */
const hwmMb = (): number => {
  const kb = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
};
const deals = 250_000;
const groups = 1000;
const amounts = Float64Array.from({ length: deals }, (_, i) => 1000 + (i % 500));
const probabilities = Float64Array.from({ length: deals }, (_, i) => (i % 10) / 20);
const groupOffsets = Int32Array.from({ length: groups + 1 }, (_, g) => (g * deals) / groups);
const before = hwmMb();
const started = performance.now();
const threads = process.env.MC_THREADS ? Number(process.env.MC_THREADS) : undefined;
const result = await runMonteCarlo(
  {
    amounts,
    probabilities,
    groupOffsets,
    groupClosed: new Float64Array(groups),
    groupQuota: new Float64Array(groups).fill(Number.NaN),
    trials: 10_000,
    seed: 7,
  },
  { teamQuota: null, ...(threads !== undefined && { threads }) },
);
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'monte-carlo-memory',
    deals,
    groups,
    threads: threads ?? 'default',
    ms: Math.round(performance.now() - started),
    peakRssBeforeMb: before,
    peakRssAfterMb: hwmMb(),
    teamP50: result.team.p50,
    loadAverage1m: Math.round(loadavg()[0] ?? 0),
  })}\n`,
);
