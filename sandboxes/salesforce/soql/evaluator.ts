import { DateTime } from 'luxon';
import { type ApiError, queryError } from '../api-error.js';
import { normalizeId } from '../ids.js';
import type { FieldDef, ObjectDef } from '../schema.js';
import type { Row, Table, Value } from '../table.js';
import type { Condition, FieldRef, Literal, SoqlQuery } from './parser.js';

/** An object as the querying user sees it: only the fields visible to them. */
export interface QueryTarget {
  readonly def: ObjectDef;
  readonly table: Table;
  /** Lower-case name → field, visible fields only. */
  readonly fields: ReadonlyMap<string, FieldDef>;
}

export interface EvalContext {
  /** The org's current instant (for TODAY, LAST_N_DAYS...). */
  readonly now: number;
  readonly timeZone: string;
  resolve(objectName: string): QueryTarget | undefined;
}

export interface QueryPlan {
  readonly target: QueryTarget;
  readonly columns: readonly FieldDef[];
  readonly countOnly: boolean;
  readonly predicate: (row: Row) => boolean;
  /** Narrowed candidate handles from an Id / parent-id filter, or null to scan everything. */
  readonly candidates: readonly number[] | null;
  readonly sortKeys: readonly { field: FieldDef; descending: boolean; nullsLast: boolean }[];
  readonly limit: number | null;
  readonly offset: number;
}

const STRINGY = new Set(['string', 'picklist', 'email', 'textarea']);
const NUMERIC = new Set(['currency', 'double', 'percent', 'int']);
const isIdType = (f: FieldDef) => f.type === 'id' || f.type === 'reference';

export function planQuery(q: SoqlQuery, ctx: EvalContext): QueryPlan {
  const target = ctx.resolve(q.from.name);
  if (!target) {
    throw queryError(
      'INVALID_TYPE',
      q.text,
      q.from.pos,
      `sObject type '${q.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const field = (ref: FieldRef): FieldDef => {
    if (ref.name.includes('.')) {
      throw queryError(
        'INVALID_FIELD',
        q.text,
        ref.pos,
        `Didn't understand relationship '${ref.name.split('.')[0]}' in field path. The sandbox serves relationship-free fields only.`,
      );
    }
    const f = target.fields.get(ref.name.toLowerCase());
    if (!f) {
      throw queryError(
        'INVALID_FIELD',
        q.text,
        ref.pos,
        `No such column '${ref.name}' on entity '${target.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return f;
  };
  const countOnly = q.select.some((s) => s.kind === 'count');
  const columns: FieldDef[] = [];
  for (const item of q.select) {
    if (item.kind !== 'field') continue;
    const f = field(item.field);
    if (columns.includes(f))
      throw queryError('MALFORMED_QUERY', q.text, item.field.pos, `duplicate field selected: ${f.name}`);
    columns.push(f);
  }
  const compile = (c: Condition): ((row: Row) => boolean) => {
    switch (c.kind) {
      case 'and': {
        const parts = c.items.map(compile);
        return (row) => parts.every((p) => p(row));
      }
      case 'or': {
        const parts = c.items.map(compile);
        return (row) => parts.some((p) => p(row));
      }
      case 'not': {
        const inner = compile(c.item);
        return (row) => !inner(row);
      }
      case 'in': {
        const f = filterable(field(c.field), q, c.field);
        const values = new Set(c.values.map((v) => coerce(f, v, q, 'IN')));
        return (row) => values.has(normalise(f, row[f.name] ?? null)) !== c.negated;
      }
      case 'compare':
        return compare(filterable(field(c.field), q, c.field), c.op, c.value, q, ctx);
    }
  };
  const predicate = q.where ? compile(q.where) : () => true;
  const sortKeys = q.orderBy.map((o) => {
    const f = field(o.field);
    if (f.type === 'anyType' || f.type === 'textarea') {
      throw queryError(
        'INVALID_FIELD',
        q.text,
        o.field.pos,
        `field '${f.name}' can not be sorted in a query call`,
      );
    }
    return { field: f, descending: o.descending, nullsLast: o.nullsLast };
  });
  return {
    target,
    columns,
    countOnly,
    predicate,
    candidates: q.where ? narrow(q.where, target, (r) => field(r)) : null,
    sortKeys,
    limit: q.limit,
    offset: q.offset ?? 0,
  };
}

function filterable(f: FieldDef, q: SoqlQuery, ref: FieldRef): FieldDef {
  if (f.type === 'anyType' || f.type === 'textarea') {
    throw queryError(
      'INVALID_FIELD',
      q.text,
      ref.pos,
      `field '${f.name}' can not be filtered in a query call`,
    );
  }
  return f;
}

/** The form values are compared in: ids in 18-character form, text case-insensitively. */
function normalise(f: FieldDef, v: Value): Value {
  if (v === null) return null;
  if (STRINGY.has(f.type) && typeof v === 'string') return v.toLowerCase();
  return v;
}

function typeError(f: FieldDef, q: SoqlQuery, lit: Literal, expected: string): ApiError {
  return queryError(
    'INVALID_FIELD',
    q.text,
    lit.pos,
    `value of filter criterion for field '${f.name}' must be of type ${expected} and should not be enclosed in quotes`,
  );
}

/** A literal converted to the field's stored form; date ranges are handled by `compare`. */
function coerce(f: FieldDef, lit: Literal, q: SoqlQuery, op: string): Value {
  if (lit.kind === 'null') return null;
  if (isIdType(f)) {
    if (lit.kind !== 'string') throw typeError(f, q, lit, 'id');
    const id = normalizeId(lit.value);
    if (!id)
      throw queryError('INVALID_QUERY_FILTER_OPERATOR', q.text, lit.pos, `invalid ID field: ${lit.value}`);
    return id;
  }
  if (STRINGY.has(f.type)) {
    if (lit.kind !== 'string') throw typeError(f, q, lit, 'string');
    return lit.value.replace(/\\([_%])/g, '$1').toLowerCase();
  }
  if (NUMERIC.has(f.type)) {
    if (lit.kind !== 'number') throw typeError(f, q, lit, f.type === 'int' ? 'int' : 'double');
    return lit.value;
  }
  if (f.type === 'boolean') {
    if (lit.kind !== 'boolean') throw typeError(f, q, lit, 'boolean');
    return lit.value;
  }
  if (f.type === 'date') {
    if (lit.kind === 'date') return lit.value;
    if (lit.kind === 'relative' && op === 'IN') throw typeError(f, q, lit, 'date');
    throw typeError(f, q, lit, 'date');
  }
  if (f.type === 'datetime') {
    if (lit.kind === 'datetime') return lit.value;
    throw typeError(f, q, lit, 'dateTime');
  }
  throw typeError(f, q, lit, f.type);
}

function compare(
  f: FieldDef,
  op: string,
  lit: Literal,
  q: SoqlQuery,
  ctx: EvalContext,
): (row: Row) => boolean {
  const name = f.name;
  if (op === 'LIKE') {
    if (!STRINGY.has(f.type) && !isIdType(f)) {
      throw queryError('INVALID_FIELD', q.text, lit.pos, `invalid operator on ${f.type} field: LIKE`);
    }
    const pattern = likeRegex(String(lit.kind === 'string' ? lit.value : ''));
    return (row) => {
      const v = row[name];
      return typeof v === 'string' && pattern.test(v);
    };
  }
  if (lit.kind === 'relative') {
    if (f.type !== 'date' && f.type !== 'datetime') throw typeError(f, q, lit, f.type);
    const [lo, hi] = relativeRange(lit.name, lit.n, ctx, f.type === 'date');
    const inRange = (v: Value) => v !== null && v >= lo && v < hi;
    switch (op) {
      case '=':
        return (row) => inRange(row[name] ?? null);
      case '!=':
        return (row) => !inRange(row[name] ?? null);
      case '<':
        return (row) => gate(row[name], (v) => v < lo);
      case '<=':
        return (row) => gate(row[name], (v) => v < hi);
      case '>':
        return (row) => gate(row[name], (v) => v >= hi);
      default:
        return (row) => gate(row[name], (v) => v >= lo);
    }
  }
  const value = coerce(f, lit, q, op);
  if (value === null && op !== '=' && op !== '!=') {
    throw queryError('MALFORMED_QUERY', q.text, lit.pos, `invalid operator for null: ${op}`);
  }
  if (f.type === 'boolean' && op !== '=' && op !== '!=') {
    throw queryError('INVALID_FIELD', q.text, lit.pos, `invalid operator on boolean field: ${op}`);
  }
  const get = (row: Row) => normalise(f, row[name] ?? null);
  switch (op) {
    case '=':
      return (row) => get(row) === value;
    // SOQL's != keeps rows where the field is null (unlike SQL's three-valued logic).
    case '!=':
      return (row) => get(row) !== value;
    case '<':
      return (row) => gate(get(row), (v) => v < (value as string | number));
    case '<=':
      return (row) => gate(get(row), (v) => v <= (value as string | number));
    case '>':
      return (row) => gate(get(row), (v) => v > (value as string | number));
    default:
      return (row) => gate(get(row), (v) => v >= (value as string | number));
  }
}

function gate(v: Value | undefined, test: (v: string | number | boolean) => boolean): boolean {
  return v !== null && v !== undefined && test(v);
}

function likeRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && (pattern.charAt(i + 1) === '_' || pattern.charAt(i + 1) === '%')) {
      out += `\\${pattern.charAt(i + 1)}`;
      i++;
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'is');
}

/** [start, end) of a relative date literal, as dates (`YYYY-MM-DD`) or epoch ms. */
function relativeRange(
  name: string,
  n: number | null,
  ctx: EvalContext,
  asDate: boolean,
): [string | number, string | number] {
  const today = DateTime.fromMillis(ctx.now, { zone: ctx.timeZone }).startOf('day');
  const ranges: Record<string, () => [DateTime, DateTime]> = {
    TODAY: () => [today, today.plus({ days: 1 })],
    YESTERDAY: () => [today.minus({ days: 1 }), today],
    TOMORROW: () => [today.plus({ days: 1 }), today.plus({ days: 2 })],
    // LAST_N_DAYS:n runs from n days ago through today; NEXT_N_DAYS:n from tomorrow on.
    LAST_N_DAYS: () => [today.minus({ days: n ?? 0 }), today.plus({ days: 1 })],
    NEXT_N_DAYS: () => [today.plus({ days: 1 }), today.plus({ days: 1 + (n ?? 0) })],
    THIS_MONTH: () => [today.startOf('month'), today.startOf('month').plus({ months: 1 })],
    LAST_MONTH: () => [today.startOf('month').minus({ months: 1 }), today.startOf('month')],
    NEXT_MONTH: () => [
      today.startOf('month').plus({ months: 1 }),
      today.startOf('month').plus({ months: 2 }),
    ],
    THIS_YEAR: () => [today.startOf('year'), today.startOf('year').plus({ years: 1 })],
    LAST_YEAR: () => [today.startOf('year').minus({ years: 1 }), today.startOf('year')],
  };
  const [lo, hi] = ranges[name]!();
  return asDate ? [lo.toISODate()!, hi.toISODate()!] : [lo.toMillis(), hi.toMillis()];
}

/**
 * When the WHERE clause is a conjunction containing `Id IN (...)` / `Id = x` (or a parent-id
 * field the table indexes), only those rows need reading: a history lookup for 200 deals must
 * not scan a million.
 */
function narrow(where: Condition, target: QueryTarget, field: (r: FieldRef) => FieldDef): number[] | null {
  const conjuncts = where.kind === 'and' ? where.items : [where];
  for (const c of conjuncts) {
    let refs: FieldRef | null = null;
    let values: readonly Literal[] = [];
    if (c.kind === 'compare' && c.op === '=') {
      refs = c.field;
      values = [c.value];
    } else if (c.kind === 'in' && !c.negated) {
      refs = c.field;
      values = c.values;
    }
    if (!refs || !isIdType(field(refs))) continue;
    const name = field(refs).name;
    const found: number[] = [];
    let usable = true;
    for (const v of values) {
      if (v.kind !== 'string') continue;
      const handles = target.table.lookup(name, v.value);
      if (!handles) {
        usable = false;
        break;
      }
      found.push(...handles);
    }
    if (usable) return [...new Set(found)].sort((a, b) => a - b);
  }
  return null;
}
