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

/**
 * Attainment at scale: 1,000,000 deals, 1,000 reps in 10 teams, 8 fiscal quarters (2025-Q1 ..
 * 2026-Q4), ~2.1M deal_history rows, 24,000 monthly quotas, 1% split deals, generated with
 * generate_series in a dedicated database that is dropped afterwards. Measures the compute stage
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

  if (!reuse)
    await time('generateMs', async () => {
      await sql`insert into owners (connection_id, external_id, email, first_name, last_name, active)
      select ${c}::int, 'o' || i, 'rep' || i || '@bench.example', 'Rep', i::text, true from generate_series(0, 999) i`.execute(
        db,
      );
      await sql`insert into teams (connection_id, external_id, name)
      select ${c}::int, 't' || i, 'Team ' || i from generate_series(0, 9) i`.execute(db);
      await sql`insert into owner_teams (connection_id, owner_id, team_id, is_primary)
      select ${c}::int, 'o' || i, 't' || (i % 10), true from generate_series(0, 999) i`.execute(db);
      await sql`insert into pipelines (connection_id, external_id, label) values (${c}::int, 'pl', 'Sales')`.execute(
        db,
      );
      await sql`insert into stages (connection_id, external_id, pipeline_id, label, display_order, probability, is_closed, is_won)
      values (${c}::int, 'q', 'pl', 'Qualify', 1, 0.2, false, false), (${c}::int, 'p', 'pl', 'Propose', 2, 0.6, false, false),
             (${c}::int, 'w', 'pl', 'Won', 3, 1, true, true), (${c}::int, 'l', 'pl', 'Lost', 4, 0, true, false)`.execute(
        db,
      );
      // 730 days of close dates; stage by (i / 1000) % 20, so every rep has every outcome: 0-8 won (45%), 9-14 lost (30%), 15-19 open.
      await sql`insert into deals (connection_id, external_id, name, pipeline_id, stage_id, owner_id, amount,
        currency, amount_home, crm_created_at, close_date, last_modified_at)
      select ${c}::int, 'd' || i, 'Deal ' || i, 'pl',
             case when (i / 1000) % 20 < 9 then 'w' when (i / 1000) % 20 < 15 then 'l' when i % 2 = 0 then 'q' else 'p' end,
             'o' || (i % 1000), 1000 + (i::bigint * 7919) % 50000, 'USD', null,
             (date '2025-01-01' + (i % 730) - (1 + i % 140)) + time '15:00', date '2025-01-01' + (i % 730),
             now()
      from generate_series(0, 999999) i`.execute(db);
      // Every deal: the stage it started in; closed deals: the closing change; 5%: a later owner change.
      await sql`insert into deal_history (connection_id, deal_id, field, changed_at, value)
      select ${c}::int, 'd' || i, 'stage', (date '2025-01-01' + (i % 730) - (1 + i % 140)) + time '15:00', 'q'
      from generate_series(0, 999999) i
      union all
      select ${c}::int, 'd' || i, 'stage', (date '2025-01-01' + (i % 730)) + time '16:00',
             case when (i / 1000) % 20 < 9 then 'w' else 'l' end
      from generate_series(0, 999999) i where (i / 1000) % 20 < 15
      union all
      select ${c}::int, 'd' || i, 'owner', (date '2025-01-01' + (i % 730) + 3) + time '09:00', 'o' || ((i + 1) % 1000)
      from generate_series(0, 999999, 20) i`.execute(db);
      await sql`insert into deal_splits (connection_id, deal_id, owner_id, percent)
      select ${c}::int, 'd' || i, 'o' || (i % 1000), 70 from generate_series(0, 999999, 100) i
      union all
      select ${c}::int, 'd' || i, 'o' || ((i + 7) % 1000), 30 from generate_series(0, 999999, 100) i`.execute(
        db,
      );
      await sql`insert into quotas (connection_id, owner_id, month, amount, currency, source)
      select ${c}::int, 'o' || i, (date '2025-01-01' + make_interval(months => m))::date, 150000, 'USD', 'csv'
      from generate_series(0, 999) i, generate_series(0, 23) m`.execute(db);
      // As autovacuum would have by then: statistics, and a visibility map for index-only scans.
      await sql`vacuum analyze`.execute(db);
    });

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
