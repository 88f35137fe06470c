/**
 * `npx tsx bench/sync.ts`: the whole sync, end to end (issue 17 step 1). For each CRM and size,
 * this process starts the product's own sandbox (zero latency) and runs the BUILT bin in a child
 * process — `salesops sync bench --no-push --json`, which starts its in-process worker — against
 * a fresh database and queue prefix, then a second sync with nothing changed, a third after k deals changed, then the peer
 * script a user would write (bench/peer/) against the same sandbox, and the COPY + merge write
 * limit for the rows the sync wrote. The sandbox lives here, so its request log is read directly
 * and its CPU and memory are not the product's; each child's peak RSS is its own.
 *
 * Needs `npm run build` (dist/src/app/cli-main.js), Postgres and Redis. Progress on stderr, one
 * JSON document on stdout. Flags: --deals 100000 | --sizes 100000,1000000, --crm hubspot,salesforce,
 * --contacts 3000 (HubSpot contacts), --leads 3000 (Salesforce leads), --changed 0.01 (share of
 * deals edited before the incremental sync), --cpu-prof (the first sync's top ten frames).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { databaseName, dropDatabase, ensureDatabase } from '../src/db.js';
import { createTestDatabase, uniqueDatabaseUrl, uniqueQueuePrefix } from '../test/support/test-db.js';
import { topFrames } from './_cpu-profile.js';
import { mavenProfile } from './_history-profile.js';
import { type MeasuredRun, runMeasured } from './_measured-child.js';
import type { RequestTally } from './_request-kinds.js';
import { CONSTANT, type Crm, type CrmTarget, PAGE, pagedRequests, startCrm } from './_sync-crm.js';
import { buildTargets, type SizeResult } from './_sync-targets.js';
import { measureWriteLimit } from './_write-limit.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const BIN = `${root}dist/src/app/cli-main.js`;
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const sizes = flag('sizes', flag('deals', '100000')).split(',').map(Number);
const crms = flag('crm', 'hubspot,salesforce').split(',');
const CONTACTS = Number(flag('contacts', '3000'));
const LEADS = Number(flag('leads', '3000'));
/** Share of deals edited in the sandbox before the incremental sync (k = 1% of the portal). */
const CHANGED_SHARE = Number(flag('changed', '0.01'));
const PROFILE = args.includes('--cpu-prof');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVER = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The warehouse tables the pull stage writes per record. */
const PULLED_TABLES = ['deals', 'deal_history', 'deal_splits', 'leads', 'lead_assignments'];

const progress = (line: string) =>
  process.stderr.write(`[bench sync ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

interface DbStats {
  readonly active_time: number;
  readonly xact_commit: number;
  readonly blks_read: number;
  readonly blks_hit: number;
  readonly tup_inserted: number;
  readonly tup_updated: number;
  readonly numbackends: number;
}

/** The database's cumulative statistics; backends flush theirs when they exit, so wait for that. */
async function dbStats(admin: pg.Client, name: string, waitForIdle: boolean): Promise<DbStats> {
  const read = async () =>
    (
      await admin.query<DbStats>(
        `select active_time::float8 as active_time, xact_commit::float8 as xact_commit,
                blks_read::float8 as blks_read, blks_hit::float8 as blks_hit,
                tup_inserted::float8 as tup_inserted, tup_updated::float8 as tup_updated, numbackends
           from pg_stat_database where datname = $1`,
        [name],
      )
    ).rows[0]!;
  let stats = await read();
  for (let i = 0; waitForIdle && stats.numbackends > 0 && i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    stats = await read();
  }
  return stats;
}

function failIf(run: MeasuredRun, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr.slice(-4000)}`);
}

async function countRows(client: pg.Client, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const exists = await client.query('select to_regclass($1) as t', [table]);
    if (exists.rows[0]?.t === null) continue;
    counts[table] = Number((await client.query(`select count(*)::int as n from ${table}`)).rows[0]?.n ?? 0);
  }
  return counts;
}

interface SyncMeasure {
  readonly run: MeasuredRun;
  readonly summary: Record<string, unknown>;
  readonly requests: RequestTally;
  readonly pgActiveMs: number;
  readonly pg: Record<string, number>;
  readonly timings: Record<string, number>;
  readonly rows: Record<string, number>;
  /** md5 of every metric value (key and value, not when it was computed), to see whether a run changed any. */
  readonly metricDigest: string | null;
}

async function syncOnce(
  target: CrmTarget,
  env: NodeJS.ProcessEnv,
  url: string,
  admin: pg.Client,
  nodeArgs: readonly string[] = [],
): Promise<SyncMeasure> {
  const name = databaseName(url);
  target.reset();
  const before = await dbStats(admin, name, true);
  const run = await runMeasured(
    process.execPath,
    [...nodeArgs, BIN, 'sync', 'bench', '--no-push', '--json'],
    {
      env,
      cwd: root,
    },
  );
  failIf(run, 'salesops sync');
  const requests = target.kinds();
  const after = await dbStats(admin, name, true);
  const product = new pg.Client({ connectionString: url });
  await product.connect();
  try {
    const last = await product.query<{ timings: Record<string, number> }>(
      'select timings from sync_runs order by id desc limit 1',
    );
    const rows = await countRows(product, [...PULLED_TABLES, 'metric_values']);
    const digest = await product.query<{ md5: string | null }>(
      `select md5(string_agg(concat_ws('|', object, record_id, metric, period_key, value_numeric::text, value_text),
                             ',' order by object, record_id, metric, period_key)) as md5 from metric_values`,
    );
    const delta = (key: keyof DbStats) => after[key] - before[key];
    return {
      run,
      summary: JSON.parse(run.stdout) as Record<string, unknown>,
      requests,
      pgActiveMs: Math.round(delta('active_time')),
      pg: {
        transactions: delta('xact_commit'),
        blocksRead: delta('blks_read'),
        blocksHit: delta('blks_hit'),
        tuplesInserted: delta('tup_inserted'),
        tuplesUpdated: delta('tup_updated'),
      },
      timings: last.rows[0]?.timings ?? {},
      rows,
      metricDigest: digest.rows[0]?.md5 ?? null,
    };
  } finally {
    await product.end();
  }
}

async function measureSize(crm: Crm, deals: number, admin: pg.Client, redis: Redis): Promise<SizeResult> {
  progress(`${crm} ${deals}: starting the sandbox`);
  const target = await startCrm(crm, deals, crm === 'hubspot' ? CONTACTS : LEADS);
  const database = await createTestDatabase(`bench_sync_${crm}`);
  await database.db.destroy();
  const prefix = uniqueQueuePrefix(`bench_sync_${crm}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: database.url,
    REDIS_URL,
    SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
    SALESOPS_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  };
  const peerUrl = uniqueDatabaseUrl(`bench_peer_${crm}`);
  try {
    const profile = target.profile();
    const add = await runMeasured(
      process.execPath,
      [BIN, 'connections', 'add', ...target.addArgs, '--name', 'bench'],
      { env, cwd: root },
    );
    failIf(add, 'salesops connections add');

    const load = { beforeProduct: loadavg()[0] ?? 0, beforePeer: 0 };
    progress(`${crm} ${deals}: first sync`);
    // The profiler costs a few per cent of CPU, so it is on only when asked for.
    const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'salesops-bench-prof-')) : null;
    const first = await syncOnce(
      target,
      env,
      database.url,
      admin,
      profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    );
    const cpuTopFrames = profileDir ? topFrames(profileDir, root) : null;
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    const warehouseDeals = first.rows['deals'] ?? 0;
    progress(
      `${crm} ${deals}: ${warehouseDeals} deals in ${round(first.run.wallMs / 1000, 1)} s; sync with nothing changed`,
    );
    const again = await syncOnce(target, env, database.url, admin);

    progress(`${crm} ${deals}: COPY + merge of the same rows`);
    const pulledRows = PULLED_TABLES.reduce((sum, t) => sum + (first.rows[t] ?? 0), 0);
    const limit = await measureWriteLimit(
      database.url,
      PULLED_TABLES.filter((t) => (first.rows[t] ?? 0) > 0),
    );
    const pullSeconds = (first.timings['pull'] ?? first.run.wallMs) / 1000;

    const k = Math.max(1, Math.round(deals * CHANGED_SHARE));
    progress(`${crm} ${deals}: sync after ${k} deals changed`);
    target.editDeals(k);
    const changed = await syncOnce(target, env, database.url, admin);

    progress(`${crm} ${deals}: the peer script`);
    load.beforePeer = loadavg()[0] ?? 0;
    await ensureDatabase(peerUrl);
    target.reset();
    const peerRun = await runMeasured(
      process.execPath,
      ['--import', 'tsx', `${root}bench/peer/${target.peer.script}`],
      {
        env: { ...env, ...target.peer.env, DATABASE_URL: peerUrl },
        cwd: root,
      },
    );
    failIf(peerRun, target.peer.script);
    const peerRequests = target.kinds();
    const peerOut = JSON.parse(peerRun.stdout.trim().split('\n').at(-1) ?? '{}') as {
      records: number;
      fetchMs: number;
      insertMs: number;
    };

    const listMinimum =
      Math.ceil(deals / PAGE[crm]) + Math.ceil((crm === 'hubspot' ? CONTACTS : LEADS) / PAGE[crm]);
    const productRate = warehouseDeals / (first.run.wallMs / 1000);
    const peerRate = peerOut.records / (peerRun.wallMs / 1000);
    const productRowsPerSecond = Math.round(pulledRows / pullSeconds);
    return {
      crm,
      deals,
      history: profile,
      loadAverage1m: { beforeProduct: round(load.beforeProduct, 1), beforePeer: round(load.beforePeer, 1) },
      product: {
        wallSeconds: round(first.run.wallMs / 1000),
        dealsInWarehouse: warehouseDeals,
        dealsPerSecond: Math.round(productRate),
        requests: first.requests,
        requestsMinimum: { list: listMinimum, constant: CONSTANT[crm] },
        requestsPerMinimum: round(first.requests.total / (listMinimum + CONSTANT[crm])),
        pagedRequestsPerListMinimum: round(pagedRequests(crm, first.requests) / listMinimum),
        peakRssMb: first.run.peakRssMb,
        rssSource: first.run.rssSource,
        postgresActiveMs: first.pgActiveMs,
        postgres: first.pg,
        stageMs: first.timings,
        computeMs: first.timings['compute'] ?? null,
        ...(cpuTopFrames && { cpuTopFrames }),
        rows: first.rows,
        summary: first.summary,
      },
      noChange: {
        wallSeconds: round(again.run.wallMs / 1000),
        requests: again.requests,
        pagedRequests: pagedRequests(crm, again.requests),
        peakRssMb: again.run.peakRssMb,
        postgresActiveMs: again.pgActiveMs,
        stageMs: again.timings,
        computeMs: again.timings['compute'] ?? null,
        metricValuesUnchanged: first.metricDigest === again.metricDigest,
      },
      changed: {
        changedDeals: k,
        wallSeconds: round(changed.run.wallMs / 1000),
        requests: changed.requests,
        pagedRequests: pagedRequests(crm, changed.requests),
        peakRssMb: changed.run.peakRssMb,
        postgresActiveMs: changed.pgActiveMs,
        stageMs: changed.timings,
        computeMs: changed.timings['compute'] ?? null,
      },
      peer: {
        wallSeconds: round(peerRun.wallMs / 1000),
        records: peerOut.records,
        recordsPerSecond: Math.round(peerRate),
        fetchMs: peerOut.fetchMs,
        insertMs: peerOut.insertMs,
        requests: peerRequests,
        peakRssMb: peerRun.peakRssMb,
      },
      ratio: {
        dealsPerSecond: round(productRate / peerRate),
        requests: round(first.requests.total / peerRequests.total),
        peakRss:
          first.run.peakRssMb && peerRun.peakRssMb ? round(first.run.peakRssMb / peerRun.peakRssMb) : null,
      },
      writeLimit: {
        definition:
          'product: rows in deals, deal_history, deal_splits, leads, lead_assignments after the first sync ÷ the pull stage duration (sync_runs.timings.pull); limit: the same rows by COPY + merge into a fresh migrated database',
        productRows: pulledRows,
        productPullSeconds: round(pullSeconds),
        productRowsPerSecond,
        copyMerge: limit,
        ratio: round(productRowsPerSecond / limit.rowsPerSecond),
      },
    };
  } finally {
    await target.sandbox.close();
    await database.drop().catch(() => dropDatabase(database.url));
    await dropDatabase(peerUrl).catch(() => {});
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
}

if (!existsSync(BIN)) {
  process.stderr.write(`error: ${BIN} does not exist; run \`npm run build\` first.\n`);
  process.exit(2);
}
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
const redis = new Redis(REDIS_URL);
const results: SizeResult[] = [];
try {
  for (const crm of crms) {
    if (crm !== 'hubspot' && crm !== 'salesforce') throw new Error(`--crm: unknown ${crm}`);
    for (const deals of sizes) results.push(await measureSize(crm, deals, admin, redis));
  }
} finally {
  await admin.end();
  redis.disconnect();
}
const of = (crm: Crm) => ({
  sizes: results.filter((r) => r.crm === crm).map(({ crm: _crm, ...rest }) => rest),
});
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'sync',
      machine: {
        cores: cpus().length,
        node: process.version,
        busy: true,
        loadAverage1mAtEnd: round(loadavg()[0] ?? 0, 1),
      },
      sandbox: {
        latencyMs: 0,
        rateLimit: 'none (HubSpot advertises 1,000,000 per 10 s)',
        contacts: CONTACTS,
        leads: LEADS,
      },
      mavenHistory: mavenProfile(),
      hubspot: of('hubspot'),
      salesforce: of('salesforce'),
      writeLimit: results.map((r) => ({
        crm: r.crm,
        deals: r.deals,
        productRowsPerSecond: r.writeLimit.productRowsPerSecond,
        copyMergeRowsPerSecond: r.writeLimit.copyMerge.rowsPerSecond,
        ratio: r.writeLimit.ratio,
      })),
      targets: buildTargets(results),
    },
    null,
    2,
  )}\n`,
);
