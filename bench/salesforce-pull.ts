/**
 * The Salesforce connector's full deal read (`deals(null)`: queryAll + queryMore at batchSize
 * 2,000, zod per record, mapping, checkpoints) against the sandbox at zero latency, for 100k and
 * 1M opportunities. The sandbox runs in its own child process and each size is read by a fresh
 * child, so neither the server's memory nor a previous size colours the peak RSS. Prints JSON.
 *
 *   npx tsx bench/salesforce-pull.ts            # 100k and 1M
 *   BENCH_SIZES=20000 npx tsx bench/salesforce-pull.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../connectors/connector.js';
import { createSalesforceConnector } from '../connectors/salesforce/index.js';
import { startSalesforceSandbox } from '../sandboxes/salesforce/index.js';

const self = fileURLToPath(import.meta.url);
const mode = process.argv[2] ?? 'main';

interface SandboxLine {
  readonly instanceUrl: string;
  readonly accessToken: string;
}

function child(args: readonly string[]): { proc: ChildProcess; line: Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', self, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.once('exit', (code) => reject(new Error(`${args[0]} child exited with ${code}`)));
  });
  return { proc, line };
}

if (mode === 'sandbox') {
  const deals = Number(process.argv[3]);
  const sandbox = await startSalesforceSandbox({
    deals,
    leads: 10,
    seed: 7,
    now: new Date('2026-03-15T12:00:00Z'),
    dailyLimit: 10_000_000,
  });
  process.stdout.write(
    `${JSON.stringify({ instanceUrl: sandbox.instanceUrl, accessToken: sandbox.accessToken })}\n`,
  );
  process.on('SIGTERM', () => {
    void sandbox.close().then(() => process.exit(0));
  });
} else if (mode === 'pull') {
  const target = JSON.parse(process.argv[3] ?? '{}') as SandboxLine;
  const clock: Clock = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const connector = createSalesforceConnector({
    instanceUrl: target.instanceUrl,
    apiVersion: '62.0',
    deps: {
      fetch: globalThis.fetch,
      clock,
      budget: { acquire: async () => {}, observe: async () => {} },
      tokens: {
        load: async () => ({ method: 'access_token', accessToken: target.accessToken }),
        save: async () => {},
      },
    },
  });
  await connector.account();
  const before = connector.requestsSent();
  let records = 0;
  let rejected = 0;
  let deleted = 0;
  let peakRss = process.memoryUsage().rss;
  const started = performance.now();
  for await (const page of connector.deals(null)) {
    records += page.records.length;
    rejected += page.rejected.length;
    deleted += page.deletedIds.length;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({
      records,
      deleted,
      rejected,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round((records + deleted) / seconds),
      peakRssMb: Math.round(Math.max(peakRss / 1024 / 1024, maxRssMb)),
      apiCalls: connector.requestsSent() - before,
    })}\n`,
  );
  process.exit(0);
} else {
  const sizes = (process.env['BENCH_SIZES'] ?? '100000,1000000').split(',').map(Number);
  const runs: Record<string, unknown>[] = [];
  for (const deals of sizes) {
    const sandbox = child(['sandbox', String(deals)]);
    try {
      const target = await sandbox.line;
      const pull = child(['pull', target]);
      runs.push({ deals, ...(JSON.parse(await pull.line) as Record<string, unknown>) });
    } finally {
      sandbox.proc.kill('SIGTERM');
    }
  }
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'salesforce-pull', latencyMs: 0, batchSize: 2000, node: process.version, runs })}\n`,
  );
  process.exit(0);
}
