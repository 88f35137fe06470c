import type { FieldDef } from '../schema.js';
import type { Row, Value } from '../table.js';
import type { QueryPlan } from './evaluator.js';

export interface QueryResult {
  /** Matching row handles in result order (after ORDER BY, OFFSET and LIMIT). */
  readonly handles: readonly number[];
  /** The rows as read during the scan, aligned with handles, when the result is small enough to keep. */
  readonly rows: readonly Row[] | null;
  readonly totalSize: number;
}

/**
 * Results up to this size keep the rows read during the scan, so later pages need not generate
 * them again (a cursor is a snapshot, as Salesforce's is); larger ones regenerate per page.
 */
export const SNAPSHOT_LIMIT = 250_000;

/**
 * Scans the table once, keeping only the handles that match (and their sort keys), so a result
 * over a million generated rows never holds a million row objects at once.
 */
export function executePlan(plan: QueryPlan, includeDeleted: boolean): QueryResult {
  const { table } = plan.target;
  const hideDeleted = !includeDeleted && plan.target.def.hasIsDeleted;
  const source = plan.candidates ?? table.handles();
  const keyed = plan.sortKeys.length > 0;
  const handles: number[] = [];
  let rows: Row[] | null = [];
  const keys: Value[][] = [];
  for (const h of source) {
    const row = table.row(h);
    if (!row) continue;
    if (hideDeleted && row['IsDeleted'] === true) continue;
    if (!plan.predicate(row)) continue;
    handles.push(h);
    if (rows) {
      rows.push(row);
      if (rows.length > SNAPSHOT_LIMIT) rows = null;
    }
    if (keyed) keys.push(plan.sortKeys.map((k) => sortValue(k.field, row[k.field.name] ?? null)));
  }
  let ordered = handles;
  let orderedRows = rows;
  if (keyed) {
    const index = handles.map((_, i) => i);
    index.sort((a, b) => {
      const ka = keys[a]!;
      const kb = keys[b]!;
      for (let k = 0; k < plan.sortKeys.length; k++) {
        const spec = plan.sortKeys[k]!;
        const c = compareValues(ka[k]!, kb[k]!, spec.nullsLast);
        if (c !== 0) return spec.descending && ka[k] !== null && kb[k] !== null ? -c : c;
      }
      return handles[a]! - handles[b]!;
    });
    ordered = index.map((i) => handles[i]!);
    if (rows) {
      const scanned = rows;
      orderedRows = index.map((i) => scanned[i]!);
    }
  }
  const start = Math.min(plan.offset, ordered.length);
  const end = plan.limit === null ? ordered.length : Math.min(ordered.length, start + plan.limit);
  const whole = start === 0 && end === ordered.length;
  const result = whole ? ordered : ordered.slice(start, end);
  const resultRows = orderedRows && (whole ? orderedRows : orderedRows.slice(start, end));
  return { handles: result, rows: resultRows, totalSize: result.length };
}

function sortValue(f: FieldDef, v: Value): Value {
  if (typeof v === 'string' && f.type !== 'id' && f.type !== 'reference') return v.toLowerCase();
  return v;
}

function compareValues(a: Value, b: Value, nullsLast: boolean): number {
  if (a === b) return 0;
  if (a === null) return nullsLast ? 1 : -1;
  if (b === null) return nullsLast ? -1 : 1;
  return a < b ? -1 : 1;
}

const DAY = 86_400_000;
const dayPrefix = new Map<number, string>();
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * Salesforce's JSON datetime form: milliseconds and a `+0000` offset. Every page formats
 * thousands of these, so the date part is cached per day and the time part built from tables.
 */
export function formatDateTime(ms: number): string {
  const day = Math.floor(ms / DAY);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    if (dayPrefix.size > 100_000) dayPrefix.clear();
    dayPrefix.set(day, prefix);
  }
  const rest = ms - day * DAY;
  const h = Math.floor(rest / 3_600_000);
  const m = Math.floor(rest / 60_000) % 60;
  const s = Math.floor(rest / 1000) % 60;
  const milli = rest % 1000;
  return `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${String(milli).padStart(3, '0')}+0000`;
}

/** A record as the REST API returns it: `attributes` first, then the selected fields in order. */
export function projectRecord(
  row: Row,
  objectName: string,
  columns: readonly FieldDef[],
  base: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: objectName, url: `${base}/sobjects/${objectName}/${String(row['Id'])}` },
  };
  for (const f of columns) out[f.name] = formatValue(f, row[f.name] ?? null);
  return out;
}

export function formatValue(f: FieldDef, v: Value): unknown {
  if (v === null) return null;
  if (f.type === 'datetime' && typeof v === 'number') return formatDateTime(v);
  return v;
}
