/**
 * `npm run bench -- hubspot-pull`: how fast the HubSpot connector pulls deals, and how closely it
 * fills a rate budget. Connector pages only: no history, warehouse or worker (the whole sync is
 * `bench/sync.ts`). The sandbox runs in a child process (its CPU and memory are not ours);
 * each measured case runs in its own child too, so one case's peak RSS never colours another's.
 *
 * - throughput: deals/s of `deals(null)` (list pages, mapped and validated) at zero latency with no
 *   rate limit, and peak RSS, for 100k and 1M deals (goals: ≥ 20,000 deals/s; RSS flat in N, < 300 MB)
 * - budget: wall time ÷ (requests ÷ budget) through the real Redis budget against a sandbox that
 *   enforces 190 per rolling 10 s (goal ≤ 1.05; the budget keeps a 2% reserve and pads the window
 *   by 100 ms, so about 1.03 is the floor of a saturated run).
 *
 * Flags: --sizes 100000,1000000  --budget-deals 60000
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { ConnectorDeps, RequestBudget } from '../connectors/connector.js';
import { createHubspotConnector } from '../connectors/hubspot/index.js';
import { createRateBudget, hubspotBudgetSpec } from '../connectors/rate-budget.js';
import { startHubspotSandbox } from '../sandboxes/hubspot/index.js';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};

interface SandboxLine {
  readonly baseUrl: string;
  readonly accessToken: string;
}

/** Child role 1: serve a sandbox and print its URL. */
async function serve(): Promise<void> {
  const rate = Number(flag('rate-limit', '0'));
  const sandbox = await startHubspotSandbox({
    seed: 1,
    deals: Number(flag('deals', '1000')),
    contacts: 0,
    ...(rate > 0 && { rateLimit: rate }),
  });
  process.stdout.write(`${JSON.stringify({ baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken })}\n`);
  process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
}

function startSandboxChild(
  deals: number,
  rateLimit: number,
): Promise<{ child: ChildProcess; line: SandboxLine }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', self, '--serve', '--deals', String(deals), '--rate-limit', String(rateLimit)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (text) => resolve({ child, line: JSON.parse(text) as SandboxLine }));
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
}

function deps(line: SandboxLine, budget: RequestBudget): ConnectorDeps {
  return {
    fetch: globalThis.fetch,
    budget,
    tokens: {
      load: async () => ({ method: 'private_app', accessToken: line.accessToken }),
      save: async () => {},
    },
    clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  };
}

const noBudget: RequestBudget = { acquire: async () => {}, observe: async () => {} };

/** Child role 2: one throughput case. */
async function throughput(deals: number): Promise<void> {
  const { child, line } = await startSandboxChild(deals, 0);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const connector = createHubspotConnector({ baseUrl: line.baseUrl, deps: deps(line, noBudget) });
  const cpu = process.cpuUsage();
  const started = performance.now();
  let read = 0;
  let pages = 0;
  for await (const page of connector.deals(null)) {
    read += page.records.length;
    pages++;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  // What the pull retains (as opposed to garbage V8 has not collected yet): flat in N if nothing leaks.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const retained = process.memoryUsage().heapUsed;
  child.kill('SIGTERM');
  process.stdout.write(
    `${JSON.stringify({
      deals: read,
      pages,
      seconds: round(seconds),
      dealsPerSecond: Math.round(read / seconds),
      // Share of the wall time this (connector) process was on the CPU; the rest is the sandbox.
      connectorCpuShare: round(cpuSeconds(process.cpuUsage(cpu)) / seconds),
      peakRssMb: round(peak / 2 ** 20),
      heapAfterGcMb: gc ? round(retained / 2 ** 20) : null,
    })}\n`,
  );
}

/** Child role 3: the budget-fill case. */
async function budgetFill(deals: number): Promise<void> {
  const { child, line } = await startSandboxChild(deals, 190);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: false });
  const prefix = `{bench_hs_${process.pid}}`;
  const budget = createRateBudget({
    redis,
    prefix,
    account: { kind: 'hubspot', accountId: `bench${process.pid}` },
    buckets: hubspotBudgetSpec('professional'),
  });
  const connector = createHubspotConnector({ baseUrl: line.baseUrl, deps: deps(line, budget) });
  const started = performance.now();
  let read = 0;
  for await (const page of connector.deals(null)) read += page.records.length;
  const seconds = (performance.now() - started) / 1000;
  const requests = connector.requestsSent();
  const perSecond = 190 / 10;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  child.kill('SIGTERM');
  process.stdout.write(
    `${JSON.stringify({
      deals: read,
      requests,
      seconds: round(seconds),
      limit: '190 per 10 s',
      ratio: round(seconds / (requests / perSecond)),
    })}\n`,
  );
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function runCase(role: string, deals: number): unknown {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', self, role, '--deals', String(deals)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    },
  );
  if (run.status !== 0) throw new Error(`${role} ${deals} failed with ${run.status}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? 'null') as unknown;
}

async function main(): Promise<void> {
  if (args.includes('--serve')) return serve();
  const deals = Number(flag('deals', '0'));
  if (args.includes('--throughput')) return throughput(deals);
  if (args.includes('--budget')) return budgetFill(deals);
  const sizes = flag('sizes', '100000,1000000').split(',').map(Number);
  const result = {
    scope: 'connector pages only: no history, warehouse or worker (bench/sync.ts times the whole sync)',
    throughput: sizes.map((n) => runCase('--throughput', n)),
    budget: runCase('--budget', Number(flag('budget-deals', '60000'))),
    goals: { dealsPerSecond: 20_000, peakRssMb: 300, ratio: 1.05 },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
