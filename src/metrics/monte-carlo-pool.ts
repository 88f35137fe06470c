import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type Distribution,
  describe,
  type GroupSimulation,
  type SimulationInput,
  simulateGroups,
} from './monte-carlo.js';

export interface MonteCarloResult {
  readonly team: Distribution;
  readonly groups: readonly Distribution[];
}

export interface MonteCarloOptions {
  /** Team quota (NaN or null = none). */
  readonly teamQuota: number | null;
  /** At most this many worker threads (default: available cores, at most 8). */
  readonly threads?: number;
}

const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './monte-carlo-worker.ts' : './monte-carlo-worker.js',
  import.meta.url,
);

function runWorker(input: SimulationInput, from: number, to: number): Promise<GroupSimulation> {
  // Under tsx / vitest the worker is TypeScript: a small bootstrap registers tsx's loader in the
  // thread first (execArgv `--import` is not honoured per worker on Node 20).
  const worker = workerUrl.pathname.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); });`,
        { eval: true, workerData: { input, from, to } },
      )
    : new Worker(workerUrl, { workerData: { input, from, to } });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: GroupSimulation) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`Monte Carlo worker stopped with exit code ${code}`));
    });
  });
}

/** Splits the groups into ranges of about equal deal counts, one per thread. */
function splitGroups(offsets: Int32Array, parts: number): [number, number][] {
  const groups = offsets.length - 1;
  const deals = offsets[groups] as number;
  const ranges: [number, number][] = [];
  let from = 0;
  for (let part = 1; part <= parts && from < groups; part++) {
    const target = (deals * part) / parts;
    let to = from + 1;
    while (to < groups && (offsets[to] as number) < target) to++;
    if (part === parts) to = groups;
    ranges.push([from, to]);
    from = to;
  }
  return ranges;
}

/** Up to this many deal-trials run on the caller's thread (~50 ms on these machines). */
const INLINE_DRAWS = 3_000_000;

/**
 * Runs the simulation in worker threads (never on the caller's event loop: a BullMQ job's lock
 * must keep renewing while 10⁹ draws run) and combines the per-trial team totals.
 */
export async function runMonteCarlo(
  input: SimulationInput,
  options: MonteCarloOptions,
): Promise<MonteCarloResult> {
  const groupCount = input.groupOffsets.length - 1;
  const draws = (input.groupOffsets[groupCount] ?? 0) * input.trials;
  // Small simulations finish in tens of milliseconds, less than starting a thread costs; only
  // work big enough to hold up the event loop (and a job's lock renewal) goes to threads.
  if (draws <= INLINE_DRAWS) {
    // Nothing open to simulate (a closed period): every trial is the closed amount, no thread needed.
    const { groups, totals } = simulateGroups(input, 0, groupCount);
    return { team: describe(totals, options.teamQuota ?? Number.NaN), groups };
  }
  const threads = Math.max(1, Math.min(options.threads ?? Math.min(availableParallelism(), 8), groupCount));
  const ranges = groupCount === 0 ? [] : splitGroups(input.groupOffsets, threads);
  const parts = await Promise.all(ranges.map(([from, to]) => runWorker(input, from, to)));
  const totals = new Float64Array(input.trials);
  const groups: Distribution[] = [];
  for (const part of parts) {
    for (let t = 0; t < totals.length; t++) totals[t] = (totals[t] as number) + (part.totals[t] as number);
    groups.push(...part.groups);
  }
  return { team: describe(totals, options.teamQuota ?? Number.NaN), groups };
}
