import type { FieldDef } from '../schema.js';
import type { Row, Value } from '../table.js';
import type { QueryPlan } from './evaluator.js';

export interface QueryResult {
  /** Matching row handles in result order (after ORDER BY, OFFSET and LIMIT). */
  readonly handles: readonly number[];
  readonly totalSize: number;
}

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
  const keys: Value[][] = [];
  for (const h of source) {
    const row = table.row(h);
    if (!row) continue;
    if (hideDeleted && row['IsDeleted'] === true) continue;
    if (!plan.predicate(row)) continue;
    handles.push(h);
    if (keyed) keys.push(plan.sortKeys.map((k) => sortValue(k.field, row[k.field.name] ?? null)));
  }
  let ordered = handles;
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
  }
  const start = Math.min(plan.offset, ordered.length);
  const end = plan.limit === null ? ordered.length : Math.min(ordered.length, start + plan.limit);
  const result = start === 0 && end === ordered.length ? ordered : ordered.slice(start, end);
  return { handles: result, totalSize: result.length };
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

/** Salesforce's JSON datetime form: milliseconds and a `+0000` offset. */
export function formatDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`;
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
