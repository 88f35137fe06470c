import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createDb, dropDatabase, ensureDatabase } from '../src/db.js';
import { migrate } from '../src/migrate.js';
import { computeOutbox } from '../src/push/outbox.js';
import { writeOutbox } from '../src/push/push-stage.js';
import { createPushDouble } from '../test/push/push-double.js';
import { AS_OF, seedPush } from '../test/push/push-seed.js';
import { insertConnection } from '../test/support/fixtures.js';

/**
 * Push throughput: 25,000 open deals × 4 deal fields = 100,000 values to a zero-latency CRM
 * double (the write side of the contract, counting calls), for HubSpot (batch 100) and
 * Salesforce (batch 200). Three passes each: the first push (fields provisioned + every value),
 * every value changed and pushed again, then a recompute with nothing changed (0 calls). Reports calls used ÷ the minimum possible
 * (⌈records ÷ batch⌉, + 1 provisioning call on the first pass; goal 1.0), values/s of the push
 * stage, and the compute stage's outbox diff time. Prints one JSON document.
 */
const DEALS = Number(process.env.BENCH_PUSH_DEALS ?? 25_000);
const FIELDS_PER_DEAL = 4;

const base = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
base.pathname = `/salesops_bench_push_${randomBytes(4).toString('hex')}`;
const url = base.toString();
await ensureDatabase(url);
const db = createDb(url, { max: 4 });

const elapsed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
};

try {
  await migrate(db, url);
  const results = [];
  let runId = 1;
  for (const kind of ['hubspot', 'salesforce'] as const) {
    const connection = await insertConnection(db, { kind, name: `bench-${kind}` });
    await seedPush(db, connection.id, { reps: 1, deals: DEALS });
    // Deal values only, so every call is a full batch of one target and the minimum is exact.
    await sql`delete from metric_values where connection_id = ${connection.id} and object = 'rep'`.execute(
      db,
    );
    const double = createPushDouble(kind);
    const minimum = Math.ceil(DEALS / double.batchMax);
    for (const pass of ['first', 'allChanged', 'unchanged'] as const) {
      if (pass === 'allChanged') {
        await sql`update metric_values set value_numeric = value_numeric + 1
          where connection_id = ${connection.id} and metric in ('salesops_win_probability', 'salesops_owner_attainment')`.execute(
          db,
        );
        await sql`update metric_values set value_text = case value_text when 'commit' then 'best_case' else 'commit' end
          where connection_id = ${connection.id} and metric = 'salesops_forecast_category'`.execute(db);
        await sql`update metric_values set value_text = '2026-09-30'
          where connection_id = ${connection.id} and metric = 'salesops_stage_entered_at'`.execute(db);
      }
      const [outbox, outboxMs] = await elapsed(() =>
        computeOutbox(db, connection, { asOf: AS_OF, runId, replay: false }),
      );
      const writesBefore = double.writeCalls.length;
      const [outcome, pushMs] = await elapsed(() =>
        writeOutbox(db, connection, double, {
          runId,
          dryRun: false,
          signal: new AbortController().signal,
          asOf: AS_OF,
          replay: false,
        }),
      );
      runId += 1;
      // Only this pass's write calls: the first pass's field provisioning is a call but no write.
      const values = double.writeCalls
        .slice(writesBefore)
        .reduce((n, c) => n + c.writes.reduce((m, w) => m + Object.keys(w.values).length, 0), 0);
      const minCalls = pass === 'unchanged' ? 0 : minimum + (pass === 'first' ? 1 : 0);
      results.push({
        kind,
        pass,
        batchMax: double.batchMax,
        queued: outbox.queued,
        values,
        records: outcome.counts.pushedRecords,
        calls: outcome.counts.pushedCalls,
        minimumCalls: minCalls,
        callsOverMinimum:
          minCalls === 0 ? null : Number(((outcome.counts.pushedCalls ?? 0) / minCalls).toFixed(3)),
        outboxMs: Math.round(outboxMs),
        pushMs: Math.round(pushMs),
        valuesPerSecond: values === 0 ? null : Math.round(values / (pushMs / 1000)),
      });
    }
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'push', deals: DEALS, valuesPerPass: DEALS * FIELDS_PER_DEAL, results }, null, 2)}\n`,
  );
} finally {
  await db.destroy();
  await dropDatabase(url);
}
