import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createDb, dropDatabase, ensureDatabase } from '../src/db.js';
import { migrate } from '../src/migrate.js';
import { writeOutbox } from '../src/push/push-stage.js';
import { installRulesText } from '../src/route/install-routing-rules.js';
import { routeStage } from '../src/route/route-stage.js';
import { createPushDouble } from '../test/push/push-double.js';
import { insertConnection } from '../test/support/fixtures.js';

/**
 * The route stage end to end in Postgres (bench/routing.ts times the pure rotation): N new
 * leads (default 100,000) for 200 reps in 10 pools by source (+ a fallback), routed by
 * `routeStage` (candidates query, ledgers, decisions + outbox rows in transactions of 500), then
 * their owners written by the push stage to a zero-latency double, for HubSpot (batch 100) and
 * Salesforce (batch 200). Reports decisions/s of the stage, peak RSS, and write calls against
 * ⌈leads ÷ batch⌉. Prints one JSON document.
 */
const LEADS = Number(process.env.BENCH_ROUTE_LEADS ?? 100_000);
const REPS = 200;
const POOLS = 10;

async function run(kind: 'hubspot' | 'salesforce') {
  const base = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/salesops_bench_route_${randomBytes(4).toString('hex')}`;
  const url = base.toString();
  await ensureDatabase(url);
  const db = createDb(url, { max: 4 });
  try {
    await migrate(db, url);
    const connection = await insertConnection(db, { kind });
    const c = connection.id;
    const email = (i: number) => `rep${String(i).padStart(3, '0')}@bench.example`;
    await db
      .insertInto('owners')
      .values(
        Array.from({ length: REPS }, (_, i) => ({
          connection_id: c,
          external_id: `o${i}`,
          email: email(i),
          first_name: null,
          last_name: null,
          active: true,
          user_id: `u${i}`,
          manager_id: null,
        })),
      )
      .execute();
    const per = REPS / POOLS;
    const pools = Array.from({ length: POOLS }, (_, p) =>
      [
        `  - name: P${p}`,
        '    match:',
        `      - { field: source, equals: s${p} }`,
        `    members: [${Array.from({ length: per }, (_, k) => email(p * per + k)).join(', ')}]`,
      ].join('\n'),
    );
    const rules = `fallback: Rest\npools:\n${pools.join('\n')}\n  - name: Rest\n    members: [${email(0)}, ${email(1)}]\n`;
    const installed = await installRulesText(db, c, rules, { dryRun: false });
    if (!installed.ok) throw new Error(JSON.stringify(installed.problems));
    const start = Date.now() + 1000;
    for (let i = 0; i < LEADS; i += 5000) {
      await db
        .insertInto('leads')
        .values(
          Array.from({ length: Math.min(5000, LEADS - i) }, (_, k) => ({
            connection_id: c,
            external_id: `L${i + k}`,
            email: null,
            owner_id: null,
            assigned_at: null,
            score: null,
            rating: null,
            source: `s${(i + k) % POOLS}`,
            status: null,
            crm_created_at: new Date(start + i + k),
            last_modified_at: new Date(start + i + k),
          })),
        )
        .execute();
    }
    await db.executeQuery({ sql: 'analyze leads', parameters: [], query: { kind: 'RawNode' } } as never);
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const t0 = performance.now();
    const routed = await routeStage(db, connection, { runId: 1, now: new Date(start + LEADS + 1000) });
    const routeMs = performance.now() - t0;
    clearInterval(timer);
    const double = createPushDouble(kind);
    const t1 = performance.now();
    const pushed = await writeOutbox(db, connection, double, {
      runId: 2,
      dryRun: false,
      signal: new AbortController().signal,
      asOf: new Date(),
      replay: false,
    });
    const pushMs = performance.now() - t1;
    const batch = kind === 'hubspot' ? 100 : 200;
    const leadCalls = double.writeCallsFor('lead');
    return {
      kind,
      leads: LEADS,
      routed: routed.counts.routed,
      routeSeconds: Math.round(routeMs) / 1000,
      decisionsPerSecond: Math.round(((routed.counts.routed ?? 0) / routeMs) * 1000),
      peakRssMb: Math.round(peak / 1e6),
      leadWriteCalls: leadCalls,
      minimumCalls: Math.ceil(LEADS / batch),
      pushSeconds: Math.round(pushMs) / 1000,
      pushedRecords: pushed.counts.pushedRecords,
    };
  } finally {
    await db.destroy();
    await dropDatabase(url);
  }
}

const results = [];
for (const kind of ['hubspot', 'salesforce'] as const) results.push(await run(kind));
process.stdout.write(`${JSON.stringify({ bench: 'route-stage', results }, null, 2)}\n`);
