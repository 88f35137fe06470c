import { parentPort, workerData } from 'node:worker_threads';
import { type SimulationInput, simulateGroups } from './monte-carlo.js';

/** Worker-thread entry: simulates a range of groups so the caller's event loop stays free. */
interface WorkerJob {
  readonly input: SimulationInput;
  readonly from: number;
  readonly to: number;
}

const job = workerData as WorkerJob;
const result = simulateGroups(job.input, job.from, job.to);
parentPort?.postMessage(result, [result.totals.buffer as ArrayBuffer]);
