/**
 * `npx tsx bench/page-writes.ts`: how fast the pull writes pages of deals and their history
 * (issue 17, step 3), against the limit of this machine's Postgres measured in the same run.
 *
 * - shapes (bench/_page-write-shapes.ts): one page per transaction, deals and history only, on a
 *   raw client: multi-row VALUES, jsonb_to_recordset, unnest arrays, COPY into session staging
 *   tables + one merge; and two the product cannot take as it stands, to price what is left:
 *   unnest with the checkpoint and run counts in the same statement, and unnest committing
 *   without waiting for the WAL flush. At pages of 100 and 2,000 deals.
 * - before / product: the whole page write (validation, page, history, checkpoint, run counts in
 *   one transaction) as it was before this step (bench/_page-write-before.ts) and `saveDealPage`.
 * - limit: every row of the run COPYed once into staging tables and merged in one statement,
 *   in one transaction: nothing writes these rows faster here.
 *
 * Each case writes into emptied tables (a first sync), then the same pages again (a re-read,
 * which must count 0 changed). Rows are deals + history rows. Cases run round-robin, each once
 * per round, and the median round is reported: the machine is shared, so compare the ratios
 * of one run, not numbers across runs. Prints one JSON document.
 *
 * Flags: --deals 20000 (per case)  --history 5 (history rows per deal)  --rounds 3
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import type { Deal, DealChange, Page } from '../connectors/connector.js';
import { createDb, dropDatabase, ensureDatabase } from '../src/db.js';
import { migrate } from '../src/migrate.js';
import { saveDealPage } from '../src/pull/save-deals.js';
import { requestRun } from '../src/warehouse/sync-runs.js';
import { insertConnection } from '../test/support/fixtures.js';
import { saveDealPageBefore } from './_page-write-before.js';
import {
  copyRows,
  copyShape,
  createStaging,
  DEAL_COLUMNS,
  type DealRow,
  HISTORY_COLUMNS,
  type HistoryRow,
  jsonbShape,
  mergeStaged,
  type PageRows,
  type Shape,
  unnestAsyncCommit,
  unnestShape,
  unnestWithBookkeeping,
  valuesShape,
} from './_page-write-shapes.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1] ?? fallback) : fallback;
};
const DEALS = flag('deals', 20_000);
const HISTORY = flag('history', 5);
const ROUNDS = flag('rounds', 3);

const BASE = Date.UTC(2026, 0, 5, 9);
const iso = (ms: number) => new Date(ms).toISOString();

/** Deals shaped like the HubSpot sandbox's (names, money as strings, stage and owner history). */
function deal(i: number): Deal {
  return {
    externalId: String(1_000_000 + i),
    name: `Acme ${i % 97} — New business #${i + 1}`,
    pipelineId: 'default',
    stageId: ['qualify', 'propose', 'commit', 'won', 'lost'][i % 5] as string,
    ownerId: String(100 + (i % 40)),
    amount: `${1000 + (i % 500) * 25}`,
    currency: i % 8 === 0 ? 'EUR' : 'USD',
    amountHome: i % 8 === 0 ? `${((1000 + (i % 500) * 25) * 1.08).toFixed(2)}` : `${1000 + (i % 500) * 25}`,
    createdAt: iso(BASE + i * 60_000),
    closeDate: iso(BASE + 40 * 86_400_000 + i * 60_000),
    forecastCategory: i % 3 === 0 ? 'commit' : null,
    probability: [0.1, 0.3, 0.6, 1, 0][i % 5] as number,
    lastModifiedAt: iso(BASE + 50 * 86_400_000 + i * 1000),
    mergedIds: [],
  };
}

function history(d: Deal, i: number): DealChange[] {
  return Array.from({ length: HISTORY }, (_, k) => ({
    dealId: d.externalId,
    field: k === HISTORY - 1 ? ('owner' as const) : ('stage' as const),
    changedAt: iso(BASE + i * 60_000 + k * 86_400_000),
    value: k === HISTORY - 1 ? (d.ownerId as string) : `stage-${k}`,
  }));
}

interface BenchPage {
  readonly page: Page<Deal>;
  readonly history: readonly DealChange[];
  readonly rows: PageRows;
}

function pages(size: number): BenchPage[] {
  const out: BenchPage[] = [];
  for (let start = 0; start < DEALS; start += size) {
    const deals = Array.from({ length: Math.min(size, DEALS - start) }, (_, k) => deal(start + k));
    const changes = deals.flatMap((d, k) => history(d, start + k));
    out.push({
      page: { records: deals, rejected: [], deletedIds: [], checkpoint: { index: start + deals.length } },
      history: changes,
      rows: {
        deals: deals.map(
          (d): DealRow => ({
            external_id: d.externalId,
            name: d.name,
            pipeline_id: d.pipelineId,
            stage_id: d.stageId,
            owner_id: d.ownerId,
            amount: d.amount,
            currency: d.currency,
            amount_home: d.amountHome,
            crm_created_at: d.createdAt,
            close_at: d.closeDate,
            close_date: d.closeDate?.slice(0, 10) ?? null,
            forecast_category: d.forecastCategory,
            probability: d.probability,
            last_modified_at: d.lastModifiedAt,
          }),
        ),
        history: changes.map(
          (h): HistoryRow => ({
            deal_id: h.dealId,
            field: h.field,
            changed_at: h.changedAt,
            value: h.value ?? '',
          }),
        ),
      },
    });
  }
  return out;
}

const base = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
base.pathname = `/salesops_bench_writes_${randomBytes(4).toString('hex')}`;
const url = base.toString();
await ensureDatabase(url);
const db = createDb(url, { max: 2 });
const client = new pg.Client({ connectionString: url });

interface Timed {
  readonly ms: number;
  readonly changed: number;
}

const median = (values: readonly Timed[]) =>
  [...values].sort((a, b) => a.ms - b.ms)[Math.floor(values.length / 2)] as Timed;

async function empty(): Promise<void> {
  await sql`truncate deals, deal_history, sync_checkpoints`.execute(db);
}

async function timed(write: () => Promise<number>): Promise<Timed> {
  const started = performance.now();
  const changed = await write();
  return { ms: performance.now() - started, changed };
}

try {
  await migrate(db, url);
  await client.connect();
  await createStaging(client);
  const connection = await insertConnection(db);
  // A real run, so each page also adds its counts to it as a pull's pages do.
  const { runId } = await requestRun(db, connection.id, {}, 'cli');
  const target = { connectionId: connection.id, runId, timeZone: 'UTC' };
  const rows = DEALS * (1 + HISTORY);
  const shapes: Record<string, Shape> = {
    values: valuesShape,
    jsonb: jsonbShape,
    unnest: unnestShape,
    copy: copyShape,
    unnestWithBookkeeping: unnestWithBookkeeping(runId),
    unnestAsyncCommit,
  };
  const cases: { readonly group: string; readonly name: string; readonly write: () => Promise<number> }[] =
    [];
  for (const size of [100, 2000]) {
    const all = pages(size);
    for (const [name, shape] of Object.entries(shapes))
      cases.push({
        group: `pagesOf${size}`,
        name,
        async write() {
          let changed = 0;
          for (const p of all) {
            await client.query('begin');
            changed += await shape(client, connection.id, p.rows);
            await client.query('commit');
          }
          return changed;
        },
      });
    for (const [name, save] of Object.entries({ before: saveDealPageBefore, product: saveDealPage }))
      cases.push({
        group: `pagesOf${size}`,
        name,
        async write() {
          let changed = 0;
          for (const p of all) changed += (await save(db, target, p.page, p.history)).changed;
          return changed;
        },
      });
  }
  // The limit: the run's rows COPYed once into the staging tables, then one merge per table.
  const whole = (pages(DEALS)[0] as BenchPage).rows;
  cases.push({
    group: 'limit',
    name: 'copyMerge',
    async write() {
      await client.query('begin');
      await copyRows(
        client,
        'stage_deals',
        DEAL_COLUMNS,
        whole.deals.map((d) => DEAL_COLUMNS.map((c) => d[c])),
      );
      await copyRows(
        client,
        'stage_deal_history',
        HISTORY_COLUMNS,
        whole.history.map((h) => HISTORY_COLUMNS.map((c) => h[c])),
      );
      const changed = await mergeStaged(client, connection.id);
      await client.query('commit');
      return changed;
    },
  });

  // Round-robin: every case once per round, so a busy spell on the shared machine falls on
  // all of them rather than on whichever ran then; the median round of each is reported.
  const firsts = new Map<string, Timed[]>();
  const rereads = new Map<string, Timed[]>();
  for (let round = 0; round < ROUNDS; round++)
    for (const c of cases) {
      const key = `${c.group}.${c.name}`;
      await empty();
      firsts.set(key, [...(firsts.get(key) ?? []), await timed(c.write)]);
      rereads.set(key, [...(rereads.get(key) ?? []), await timed(c.write)]);
    }
  const report: Record<string, Record<string, unknown>> = {};
  const firstRate = (key: string) => Math.round(rows / (median(firsts.get(key) ?? []).ms / 1000));
  for (const c of cases) {
    const key = `${c.group}.${c.name}`;
    const first = median(firsts.get(key) ?? []);
    const reread = median(rereads.get(key) ?? []);
    report[c.group] = {
      ...report[c.group],
      [c.name]: {
        firstRowsPerS: firstRate(key),
        firstChanged: first.changed,
        rereadRowsPerS: Math.round(rows / (reread.ms / 1000)),
        rereadChanged: reread.changed,
      },
    };
  }
  const limit = firstRate('limit.copyMerge');
  const ratio = (key: string) => Number((firstRate(key) / limit).toFixed(2));
  process.stdout.write(
    `${JSON.stringify(
      {
        deals: DEALS,
        historyPerDeal: HISTORY,
        rows,
        rounds: ROUNDS,
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
        ...report,
        // The issue's target: rows written per second ≥ 0.5 of the COPY + merge limit.
        productOverLimit: {
          pagesOf100: ratio('pagesOf100.product'),
          pagesOf2000: ratio('pagesOf2000.product'),
        },
        beforeOverLimit: { pagesOf100: ratio('pagesOf100.before'), pagesOf2000: ratio('pagesOf2000.before') },
        productOverBefore: {
          pagesOf100: Number((firstRate('pagesOf100.product') / firstRate('pagesOf100.before')).toFixed(2)),
          pagesOf2000: Number(
            (firstRate('pagesOf2000.product') / firstRate('pagesOf2000.before')).toFixed(2),
          ),
        },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await client.end();
  await db.destroy();
  await dropDatabase(url);
}
