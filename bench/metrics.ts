import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { asOfInstant, parsePeriod } from '../src/calendar/periods.js';
import { toConnection } from '../src/connections/connection-store.js';
import { createDb, dropDatabase, ensureDatabase } from '../src/db.js';
import { computeAttainment } from '../src/metrics/attainment.js';
import { computeAttainmentMetrics } from '../src/metrics/attainment-metrics.js';
import { computeMetrics } from '../src/metrics/compute-metrics.js';
import { computeRepComparison } from '../src/metrics/rep-comparison.js';
import { migrate } from '../src/migrate.js';
import { insertConnection } from '../test/support/fixtures.js';
import { seedMillionDeals } from './_deals-1m.js';

/**
 * Attainment at scale on the 1M-deal warehouse of `_deals-1m.ts`, in a dedicated database that
 * is dropped afterwards. Measures the compute stage
 * (computeAttainmentMetrics for the current quarter, as of 2026-11-13), the attainment report of
 * each of the 8 quarters, and the rep comparison. Prints one JSON line (with the machine's load
 * average: shared CI boxes inflate every number). Goal: compute < 5 s. Then the whole compute
 * stage (attainment, fairness, forecast): first into empty tables, with nothing changed (every
 * step skipped by its fingerprint), and after one open deal changed; each with its peak RSS.
 */
/** VmHWM can be reset (Linux: writing 5 to clear_refs), so a peak belongs to one step. */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux: the peak is then the process's since start.
  }
}
function peakRssMb(): number {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Math.round(Number(kb) / 1024);
  } catch {
    // fall through
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

const base = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
// BENCH_KEEP=1 keeps the database (named by BENCH_DB_NAME) for EXPLAIN; by default it is dropped.
const keep = process.env.BENCH_KEEP === '1';
base.pathname = `/${process.env.BENCH_DB_NAME ?? `salesops_bench_metrics_${randomBytes(4).toString('hex')}`}`;
const url = base.toString();

await ensureDatabase(url);
const db = createDb(url, { max: 4 });
const timings: Record<string, number> = {};
const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await fn();
  timings[label] = Math.round(performance.now() - started);
  return result;
};

try {
  await migrate(db, url);
  // BENCH_REUSE=1 (with BENCH_KEEP=1 and BENCH_DB_NAME) measures again on an already generated database.
  const reuse =
    process.env.BENCH_REUSE === '1' && (await db.selectFrom('connections').select('id').executeTakeFirst());
  const connection = reuse
    ? toConnection(await db.selectFrom('connections').selectAll().executeTakeFirstOrThrow())
    : await insertConnection(db, { name: 'bench', kind: 'salesforce', timeZone: 'America/New_York' });
  const c = connection.id;

  if (!reuse) await time('generateMs', () => seedMillionDeals(db, c));

  if (process.env.BENCH_GENERATE_ONLY === '1') {
    process.stdout.write(`${JSON.stringify({ generated: url, ...timings })}\n`);
    process.exit(0);
  }
  const asOf = asOfInstant('2026-11-13', connection.timeZone);
  // A reused database keeps the last run's values: empty them, so the first compute is one.
  if (reuse) await sql`truncate metric_values, compute_fingerprints`.execute(db);
  await time('computeMetricsFirstMs', () => computeAttainmentMetrics(db, connection, { asOf, runId: 1 }));
  const before = process.resourceUsage().maxRSS;
  await time('computeMetricsMs', () => computeAttainmentMetrics(db, connection, { asOf, runId: 2 }));
  const quarters = ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4'];
  const reports = await time('attainmentReports8QuartersMs', async () => {
    const out = [];
    for (const q of quarters)
      out.push(await computeAttainment(db, connection, { period: parsePeriod(q, connection), asOf }));
    return out;
  });
  const comparison = await time('repComparisonMs', () =>
    computeRepComparison(db, connection, { period: parsePeriod('2026-Q4', connection), asOf }),
  );
  // The whole compute stage (attainment, fairness, forecast with its snapshot) as a sync runs it:
  // first into empty metric and forecast tables, then again with nothing changed. Peak RSS is the
  // process's high-water mark (VmHWM) reset just before each run, so it is compute's own.
  await sql`truncate metric_values, forecast_snapshots, forecast_deal_state, forecast_deal_changes, forecast_accuracy`.execute(
    db,
  );
  const stage = async (label: string, runId: number) => {
    resetPeakRss();
    const counts = await time(label, () => computeMetrics(db, connection, { asOf, runId, replay: false }));
    stageRss[label] = peakRssMb();
    stageSteps[label] = counts;
  };
  const stageRss: Record<string, number> = {};
  const stageSteps: Record<string, unknown> = {};
  await stage('computeStageFirstMs', 3);
  await stage('computeStageNoChangeMs', 4);
  // One open deal's amount changes, as an incremental pull would write it: the deal steps rerun.
  await sql`update deals set amount = amount + 1, synced_at = now() where connection_id = ${c} and external_id = 'd15000'`.execute(
    db,
  );
  await stage('computeStageOneDealMs', 5);
  const metricRows = await sql<{ n: number }>`select count(*)::int as n from metric_values`.execute(db);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'metrics-attainment',
      deals: 1_000_000,
      reps: 1000,
      quarters: 8,
      ...timings,
      // The first compute writes every value into an empty metric_values; later ones write changes.
      underGoal: {
        firstCompute: (timings.computeMetricsFirstMs ?? Number.POSITIVE_INFINITY) < 5000,
        recompute: (timings.computeMetricsMs ?? Number.POSITIVE_INFINITY) < 5000,
      },
      loadAverage1m: Math.round(loadavg()[0] ?? 0),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      rssBeforeSecondComputeMb: Math.round(before / 1024),
      metricRows: metricRows.rows[0]?.n,
      computeStagePeakRssMb: stageRss,
      computeStageSteps: stageSteps,
      teamAttainmentByQuarter: Object.fromEntries(
        reports.map((r) => [
          r.period.key,
          r.team.attainment === null ? null : Math.round(r.team.attainment * 1e4) / 1e4,
        ]),
      ),
      teamWinRate: comparison.team.winRate,
    })}\n`,
  );
} finally {
  await db.destroy();
  if (!keep) await dropDatabase(url);
}
