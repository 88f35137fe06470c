import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { asOfInstant, parsePeriod } from '../src/calendar/periods.js';
import { toConnection } from '../src/connections/connection-store.js';
import { createDb, dropDatabase } from '../src/db.js';
import { auditLeads } from '../src/metrics/lead-audit.js';
import { migrate } from '../src/migrate.js';
import { auditDocument } from '../src/reports/audit-document.js';
import { insertConnection } from '../test/support/fixtures.js';

/**
 * The lead audit over 1,000,000 assignments and 1,000 reps in one fiscal quarter, on a
 * dedicated database generated with generate_series and dropped afterwards. Prints one JSON
 * line: generation and audit times, peak RSS.
 */
const LEADS = Number(process.env.BENCH_LEADS ?? 1_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 1_000);
const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
// BENCH_KEEP=1 keeps the database (named by BENCH_DB_NAME) for EXPLAIN; BENCH_REUSE=1 measures
// again on a kept one without generating it.
const keep = process.env.BENCH_KEEP === '1';
const reuse = process.env.BENCH_REUSE === '1';
server.pathname = `/${process.env.BENCH_DB_NAME ?? `salesops_bench_fairness_${randomBytes(4).toString('hex')}`}`;
const url = server.toString();

let peakRss = 0;
const sample = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const db = createDb(url, { max: 4 });

async function generate(id: number): Promise<void> {
  await sql`insert into owners (connection_id, external_id, email, first_name, last_name, active, is_queue)
    select ${id}::int, 'o' || g, 'rep' || g || '@bench.example', 'Rep', g::text, true, false
    from generate_series(1, ${REPS}) g`.execute(db);
  // Every 10th rep has double weight; every 7th is away for the middle of the quarter.
  await sql`insert into owner_settings (connection_id, owner_id, lead_weight, available_from, available_to)
    select ${id}::int, 'o' || g, case when g % 10 = 0 then 2 else 1 end, null,
      case when g % 7 = 0 then date '2026-08-01' else null end
    from generate_series(1, ${REPS}) g
    union all
    select ${id}::int, 'o' || g, 1, date '2026-08-16', null from generate_series(1, ${REPS}) g where g % 7 = 0`.execute(
    db,
  );
  await sql`insert into leads (connection_id, external_id, owner_id, assigned_at, score, last_modified_at)
    select ${id}::int, 'L' || g, 'o' || (1 + abs(hashint8(g::bigint)) % ${REPS}),
      timestamptz '2026-07-01 12:00:00+00' + ((g % 92) || ' days')::interval + ((g % 600) || ' minutes')::interval,
      (g::bigint * 31) % 100, now()
    from generate_series(1, ${LEADS}) g`.execute(db);
  await sql`insert into lead_assignments (connection_id, lead_id, owner_id, assigned_at, source)
    select connection_id, external_id, owner_id, assigned_at, 'crm_history' from leads where connection_id = ${id}`.execute(
    db,
  );
  await sql`analyze`.execute(db);
}

try {
  await migrate(db, url);
  const generateStart = performance.now();
  const existing = reuse ? await db.selectFrom('connections').selectAll().executeTakeFirst() : undefined;
  const connection = existing
    ? toConnection(existing)
    : await insertConnection(db, { name: 'bench', timeZone: 'America/New_York' });
  const id = connection.id;
  if (!existing) await generate(id);
  const generateMs = performance.now() - generateStart;

  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const auditStart = performance.now();
  const period = parsePeriod('2026-Q3', connection);
  const result = await auditLeads(db, connection, {
    period,
    asOf: asOfInstant('2026-09-30', connection.timeZone),
  });
  const doc = auditDocument(result);
  const auditMs = performance.now() - auditStart;
  clearInterval(sample);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(
    JSON.stringify({
      bench: 'fairness',
      assignments: LEADS,
      reps: REPS,
      period: period.key,
      generateMs: Math.round(generateMs),
      auditMs: Math.round(auditMs),
      rssBeforeAuditMb: Math.round(rssBefore / 2 ** 20),
      peakRssMb: Math.round(peakRss / 2 ** 20),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      totalLeads: doc.totalLeads,
      repsListed: doc.reps.length,
      flags: doc.flags.length,
      gini: doc.gini,
    }),
  );
} finally {
  clearInterval(sample);
  await db.destroy();
  if (!keep) await dropDatabase(url);
}
