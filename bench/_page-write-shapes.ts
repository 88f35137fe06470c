import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * The statement shapes bench/page-writes.ts compares for writing one page of deals and their
 * history, on a raw `pg` client so each shape pays only for itself: multi-row VALUES (the pull's
 * path before issue 17), `jsonb_to_recordset`, `unnest` arrays, and COPY into a session staging
 * table then one merge. Every shape ends in the same merge (only newer and different rows
 * change), so they differ only in how rows reach Postgres.
 */
export interface DealRow {
  readonly external_id: string;
  readonly name: string | null;
  readonly pipeline_id: string | null;
  readonly stage_id: string | null;
  readonly owner_id: string | null;
  readonly amount: string | null;
  readonly currency: string | null;
  readonly amount_home: string | null;
  readonly crm_created_at: string | null;
  readonly close_at: string | null;
  readonly close_date: string | null;
  readonly forecast_category: string | null;
  readonly probability: number | null;
  readonly last_modified_at: string;
}

export interface HistoryRow {
  readonly deal_id: string;
  readonly field: 'stage' | 'owner';
  readonly changed_at: string;
  readonly value: string;
}

export interface PageRows {
  readonly deals: readonly DealRow[];
  readonly history: readonly HistoryRow[];
}

export type Shape = (client: pg.ClientBase, connectionId: number, page: PageRows) => Promise<number>;

export const DEAL_COLUMNS = [
  'external_id',
  'name',
  'pipeline_id',
  'stage_id',
  'owner_id',
  'amount',
  'currency',
  'amount_home',
  'crm_created_at',
  'close_at',
  'close_date',
  'forecast_category',
  'probability',
  'last_modified_at',
] as const;
const DEAL_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'numeric',
  'text',
  'numeric',
  'timestamptz',
  'timestamptz',
  'date',
  'text',
  'numeric',
  'timestamptz',
] as const;
const COMPARED = DEAL_COLUMNS.filter((c) => c !== 'external_id' && c !== 'close_date');

/** The merge every shape shares, from a relation `s` holding the page's deal columns. */
function dealMerge(source: string, connectionParam: string): string {
  return `insert into deals (connection_id, ${DEAL_COLUMNS.join(', ')}, is_deleted, deleted_at, merged_into)
    select ${connectionParam}, ${DEAL_COLUMNS.map((c) => `s.${c}`).join(', ')}, false, null, null from ${source}
    on conflict (connection_id, external_id) do update set
      ${DEAL_COLUMNS.filter((c) => c !== 'external_id')
        .map((c) => `${c} = excluded.${c}`)
        .join(', ')}, is_deleted = false, deleted_at = null, merged_into = null, synced_at = now()
    where excluded.last_modified_at >= deals.last_modified_at
      and (${COMPARED.map((c) => `deals.${c}`).join(', ')}, deals.is_deleted)
        is distinct from (${COMPARED.map((c) => `excluded.${c}`).join(', ')}, false)
    returning external_id`;
}

function historyMerge(source: string, connectionParam: string): string {
  return `insert into deal_history (connection_id, deal_id, field, changed_at, value, source)
    select ${connectionParam}, s.deal_id, s.field, s.changed_at, s.value, 'crm_history' from ${source}
    on conflict do nothing`;
}

/** Multi-row VALUES, one statement per table: the pull's path before issue 17. */
export const valuesShape: Shape = async (client, connectionId, page) => {
  const width = DEAL_COLUMNS.length;
  const dealParams: unknown[] = [connectionId];
  const tuples = page.deals.map((d, i) => {
    for (const c of DEAL_COLUMNS) dealParams.push(d[c]);
    const at = (k: number) => `$${2 + i * width + k}::${DEAL_TYPES[k]}`;
    return `(${DEAL_COLUMNS.map((_, k) => at(k)).join(', ')})`;
  });
  const changed = await client.query(
    dealMerge(`(values ${tuples.join(', ')}) as s(${DEAL_COLUMNS.join(', ')})`, '$1::integer'),
    dealParams,
  );
  if (page.history.length > 0) {
    const params: unknown[] = [connectionId];
    const rows = page.history.map((h, i) => {
      params.push(h.deal_id, h.field, h.changed_at, h.value);
      return `($${2 + i * 4}::text, $${3 + i * 4}::text, $${4 + i * 4}::timestamptz, $${5 + i * 4}::text)`;
    });
    await client.query(
      historyMerge(`(values ${rows.join(', ')}) as s(deal_id, field, changed_at, value)`, '$1::integer'),
      params,
    );
  }
  return changed.rowCount ?? 0;
};

const recordset = (param: string, columns: readonly string[], types: readonly string[]) =>
  `jsonb_to_recordset(${param}::jsonb) as s(${columns.map((c, k) => `${c} ${types[k]}`).join(', ')})`;

/** Both tables in one statement, each page passed as one JSON document per table. */
export const jsonbShape: Shape = async (client, connectionId, page) => {
  const result = await client.query(
    `with h as (${historyMerge(recordset('$3', ['deal_id', 'field', 'changed_at', 'value'], ['text', 'text', 'timestamptz', 'text']), '$1::integer')})
     ${dealMerge(recordset('$2', DEAL_COLUMNS, DEAL_TYPES), '$1::integer')}`,
    [connectionId, JSON.stringify(page.deals), JSON.stringify(page.history)],
  );
  return result.rowCount ?? 0;
};

/** Both tables in one statement, each column passed as one array. */
export const unnestShape: Shape = async (client, connectionId, page) => {
  const dealArrays = DEAL_COLUMNS.map((c) => page.deals.map((d) => d[c]));
  const historyArrays = HISTORY_COLUMNS.map((c) => page.history.map((h) => h[c]));
  const dealSource = `unnest(${DEAL_COLUMNS.map((_, k) => `$${2 + k}::${DEAL_TYPES[k]}[]`).join(', ')}) as s(${DEAL_COLUMNS.join(', ')})`;
  const h0 = 2 + DEAL_COLUMNS.length;
  const historySource = `unnest($${h0}::text[], $${h0 + 1}::text[], $${h0 + 2}::timestamptz[], $${h0 + 3}::text[]) as s(deal_id, field, changed_at, value)`;
  const result = await client.query(
    `with h as (${historyMerge(historySource, '$1::integer')}) ${dealMerge(dealSource, '$1::integer')}`,
    [connectionId, ...dealArrays, ...historyArrays],
  );
  return result.rowCount ?? 0;
};

/** COPY text format: tab-separated, `\N` for null, backslash escapes. */
export function copyLine(values: readonly unknown[]): string {
  return `${values
    .map((v) =>
      v === null || v === undefined
        ? '\\N'
        : String(v).replace(/[\\\t\n\r]/g, (c) =>
            c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
          ),
    )
    .join('\t')}\n`;
}

export async function copyRows(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  // One CopyData message per ~64 kB, not per row: a message per row costs more than the row.
  await pipeline(
    Readable.from(
      (function* () {
        let chunk = '';
        for (const row of rows) {
          chunk += copyLine(row);
          if (chunk.length >= 65_536) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk.length > 0) yield chunk;
      })(),
    ),
    stream,
  );
}

/** Staging tables emptied at each commit, created once per session (a pooled connection's life). */
export async function createStaging(client: pg.ClientBase): Promise<void> {
  await client.query(`create temp table if not exists stage_deals
      (${DEAL_COLUMNS.map((c, k) => `${c} ${DEAL_TYPES[k]}`).join(', ')}) on commit delete rows;
    create temp table if not exists stage_deal_history
      (deal_id text, field text, changed_at timestamptz, value text) on commit delete rows`);
}

export const HISTORY_COLUMNS = ['deal_id', 'field', 'changed_at', 'value'] as const;

/** One statement merges both staging tables into deals and deal_history. */
export async function mergeStaged(client: pg.ClientBase, connectionId: number): Promise<number> {
  const result = await client.query(
    `with h as (${historyMerge('stage_deal_history s', '$1::integer')}) ${dealMerge('stage_deals s', '$1::integer')}`,
    [connectionId],
  );
  return result.rowCount ?? 0;
}

/** COPY into the session's staging tables, then one statement merges both. */
export const copyShape: Shape = async (client, connectionId, page) => {
  await copyRows(
    client,
    'stage_deals',
    DEAL_COLUMNS,
    page.deals.map((d) => DEAL_COLUMNS.map((c) => d[c])),
  );
  await copyRows(
    client,
    'stage_deal_history',
    HISTORY_COLUMNS,
    page.history.map((h) => HISTORY_COLUMNS.map((c) => h[c])),
  );
  return mergeStaged(client, connectionId);
};

/**
 * Not a shape the product can take as its modules stand (checkpoints.ts and sync-runs.ts own
 * those tables): the page, its checkpoint and its run counts in one statement, to measure what
 * the two round trips left cost.
 */
export function unnestWithBookkeeping(runId: number): Shape {
  return async (client, connectionId, page) => {
    const dealArrays = DEAL_COLUMNS.map((c) => page.deals.map((d) => d[c]));
    const historyArrays = HISTORY_COLUMNS.map((c) => page.history.map((h) => h[c]));
    const dealSource = `unnest(${DEAL_COLUMNS.map((_, k) => `$${2 + k}::${DEAL_TYPES[k]}[]`).join(', ')}) as s(${DEAL_COLUMNS.join(', ')})`;
    const h0 = 2 + DEAL_COLUMNS.length;
    const historySource = `unnest($${h0}::text[], $${h0 + 1}::text[], $${h0 + 2}::timestamptz[], $${h0 + 3}::text[]) as s(deal_id, field, changed_at, value)`;
    const k0 = h0 + 4;
    const result = await client.query(
      `with h as (${historyMerge(historySource, '$1::integer')}),
         d as (${dealMerge(dealSource, '$1::integer')}),
         c as (insert into sync_checkpoints (connection_id, stream, checkpoint, run_id)
           values ($1::integer, 'deals', $${k0}::jsonb, $${k0 + 1}::bigint)
           on conflict (connection_id, stream) do update set checkpoint = excluded.checkpoint,
             run_id = excluded.run_id, updated_at = now()),
         r as (update sync_runs set counts = counts || jsonb_build_object('deals',
             coalesce((counts->>'deals')::bigint, 0) + $${k0 + 2}::bigint) where id = $${k0 + 1}::bigint)
       select count(*)::int as changed from d`,
      [
        connectionId,
        ...dealArrays,
        ...historyArrays,
        JSON.stringify({ index: page.deals.length }),
        runId,
        page.deals.length,
      ],
    );
    return (result.rows[0] as { changed: number }).changed;
  };
}

/** unnest, with the commit not waiting for its WAL flush (what fsync per page costs). */
export const unnestAsyncCommit: Shape = async (client, connectionId, page) => {
  await client.query('set local synchronous_commit = off');
  return unnestShape(client, connectionId, page);
};
