import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { asOfInstant } from '../src/calendar/periods.js';
import { toConnection } from '../src/connections/connection-store.js';
import { createPool, type Db, dropDatabase, ensureDatabase } from '../src/db.js';
import { computeMetrics } from '../src/metrics/compute-metrics.js';
import { migrate } from '../src/migrate.js';
import type { Database } from '../src/warehouse/tables.js';
import { insertConnection } from '../test/support/fixtures.js';
import { seedMillionDeals } from './_deals-1m.js';

/**
 * The compute stage alone (issue 17: first compute at 1M deals ≤ 5 s) on the 1M-deal warehouse
 * of `_deals-1m.ts`: the first compute into empty metric and forecast tables, then one with
 * nothing changed. Per run: wall time, each step's time (the stage's own `computeMs_<step>`)
 * and every statement slower than BENCH_STATEMENT_MS (200) by kysely's query log, labelled by
 * the table it creates or writes. `valuesMd5` hashes what compute wrote (metric_values' keys and
 * values, the forecast's deal state and change log without times), so two runs of different
 * code can be checked to write the same values. BENCH_KEEP=1 BENCH_DB_NAME=… keeps the
 * database; BENCH_REUSE=1 measures again on it (migrations still run) without generating.
 */
const server = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const keep = process.env.BENCH_KEEP === '1';
const reuse = process.env.BENCH_REUSE === '1';
const slowMs = Number(process.env.BENCH_STATEMENT_MS ?? 200);
server.pathname = `/${process.env.BENCH_DB_NAME ?? `salesops_bench_compute_${randomBytes(4).toString('hex')}`}`;
const url = server.toString();

interface Statement {
  readonly label: string;
  readonly ms: number;
}
let statements: Statement[] = [];
/** What a statement writes, so the list reads as the stage's steps, not as SQL text. */
function labelOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const target =
    /^create temp(?:orary)? table (\w+)/i.exec(flat) ??
    /^(?:insert into|update|delete from) (\w+)/i.exec(flat) ??
    /^with .*?\) (?:insert into|update|delete from) (\w+)/i.exec(flat);
  return target ? `${flat.split(' ')[0]?.toLowerCase()} ${target[1]}` : flat.slice(0, 80);
}

await ensureDatabase(url);
const db: Db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool: createPool(url, { max: 4 }) }),
  log(event) {
    if (event.level === 'query' && event.queryDurationMillis >= slowMs)
      statements.push({ label: labelOf(event.query.sql), ms: Math.round(event.queryDurationMillis) });
  },
});

async function valuesMd5(c: number): Promise<string | undefined> {
  const result = await sql<{ md5: string }>`select md5(
      coalesce((select string_agg(concat_ws('|', object, record_id, metric, period_key, value_numeric, value_text), ','
        order by object, record_id, metric, period_key) from metric_values where connection_id = ${c}), '') ||
      coalesce((select string_agg(concat_ws('|', deal_id, stage_id, amount, close_date, probability, category, owner_id), ','
        order by deal_id) from forecast_deal_state where connection_id = ${c}), '') ||
      coalesce((select string_agg(concat_ws('|', deal_id, field, old_value, new_value), ','
        order by deal_id, field, old_value, new_value) from forecast_deal_changes where connection_id = ${c}), '')
    ) as md5`.execute(db);
  return result.rows[0]?.md5;
}

try {
  await migrate(db, url);
  const existing = reuse ? await db.selectFrom('connections').selectAll().executeTakeFirst() : undefined;
  const connection = existing
    ? toConnection(existing)
    : await insertConnection(db, { name: 'bench', kind: 'salesforce', timeZone: 'America/New_York' });
  const c = connection.id;
  const generateStart = performance.now();
  if (!existing) await seedMillionDeals(db, c);
  const generateMs = Math.round(performance.now() - generateStart);
  await sql`truncate metric_values, compute_fingerprints, forecast_snapshots, forecast_deal_state,
    forecast_deal_changes, forecast_accuracy`.execute(db);
  const asOf = asOfInstant('2026-11-13', connection.timeZone);
  const loadBefore = Math.round((loadavg()[0] ?? 0) * 10) / 10;
  const run = async (runId: number) => {
    statements = [];
    const started = performance.now();
    const counts = await computeMetrics(db, connection, { asOf, runId, replay: false });
    const wallMs = Math.round(performance.now() - started);
    return { wallMs, steps: counts, slowStatements: [...statements].sort((a, b) => b.ms - a.ms) };
  };
  const first = await run(1);
  const md5First = await valuesMd5(c);
  const noChange = await run(2);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'compute',
      deals: 1_000_000,
      generateMs,
      loadAverage1m: loadBefore,
      firstComputeMs: first.wallMs,
      noChangeComputeMs: noChange.wallMs,
      targets: { firstComputeUnder5s: first.wallMs <= 5000, noChangeUnder1s: noChange.wallMs < 1000 },
      valuesMd5: md5First,
      valuesUnchangedByNoChange: (await valuesMd5(c)) === md5First,
      first,
      noChange,
    })}\n`,
  );
} finally {
  await db.destroy();
  if (!keep) await dropDatabase(url);
}
