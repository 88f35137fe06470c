import { ApiError } from '../api-error.js';
import type { Cursor } from '../cursors.js';
import { planQuery } from '../soql/evaluator.js';
import { executePlan, projectRecord } from '../soql/execute.js';
import { parseSoql } from '../soql/parser.js';
import { header, json, type Reply, type RequestContext, type SandboxState } from './context.js';

const DEFAULT_BATCH = 2000;

/** "Maximum length of SOQL statements: by default, 100,000 characters" (limits cheat sheet). */
export const MAX_SOQL_CHARS = 100_000;

/**
 * `Sforce-Query-Options: batchSize=N` asks for pages of N (200..2,000); Salesforce treats it
 * as a hint, so out-of-range values are clamped rather than refused.
 */
export function batchSizeOf(ctx: RequestContext): number | null {
  const options = header(ctx, 'sforce-query-options');
  const m = options ? /batchSize\s*=\s*(\d+)/i.exec(options) : null;
  if (!m) return null;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

/** GET .../query?q= and .../queryAll?q= (REST and Tooling). */
export function runQuery(state: SandboxState, ctx: RequestContext, all: boolean, tooling: boolean): Reply {
  const soql = ctx.url.searchParams.get('q');
  if (soql === null || soql.trim() === '') {
    throw new ApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  }
  if (soql.length > MAX_SOQL_CHARS)
    throw new ApiError(
      400,
      'MALFORMED_QUERY',
      `SOQL statements cannot be longer than ${MAX_SOQL_CHARS} characters`,
    );
  const query = parseSoql(soql);
  const plan = planQuery(query, {
    now: state.store.now(),
    timeZone: state.store.model.timeZone,
    resolve: (name) => state.store.queryTarget(name, tooling),
  });
  const result = executePlan(plan, all);
  if (plan.countOnly) return json({ totalSize: result.totalSize, done: true, records: [] });
  const cursor = state.cursors.create({
    userId: ctx.userId,
    table: plan.target.table,
    objectName: plan.target.def.name,
    columns: plan.columns,
    handles: result.handles,
    rows: result.rows,
    batchSize: batchSizeOf(ctx) ?? DEFAULT_BATCH,
    tooling,
  });
  return page(state, ctx, cursor, 0);
}

/** GET .../query/<cursor>-<offset>: the next page of an open cursor. */
export function queryMore(state: SandboxState, ctx: RequestContext, locator: string): Reply {
  const { cursor, offset } = state.cursors.take(locator);
  return page(state, ctx, cursor, offset);
}

function page(state: SandboxState, ctx: RequestContext, cursor: Cursor, offset: number): Reply {
  const size = batchSizeOf(ctx) ?? cursor.batchSize;
  const end = Math.min(cursor.handles.length, offset + size);
  const records: Record<string, unknown>[] = [];
  const base = cursor.tooling ? `${ctx.base}/tooling` : ctx.base;
  for (let i = offset; i < end; i++) {
    const row = cursor.rows ? cursor.rows[i] : cursor.table.row(cursor.handles[i]!);
    // A row hard-deleted since the query ran is simply gone from later pages.
    if (row) records.push(projectRecord(row, cursor.objectName, cursor.columns, base));
  }
  const done = end >= cursor.handles.length;
  if (done) state.cursors.close(cursor.id);
  return json({
    totalSize: cursor.handles.length,
    done,
    ...(done ? {} : { nextRecordsUrl: `${base}/query/${cursor.id}-${end}` }),
    records,
  });
}
