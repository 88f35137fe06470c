/**
 * Evaluation of a CRM search request's `filterGroups` (OR of ANDs) and `sorts`, comparing values
 * by the property's type as HubSpot does: numbers numerically, dates as instants (epoch
 * milliseconds or ISO strings both accepted), everything else as case-insensitive text.
 */
import { type HttpError, validationError } from './hubspot-errors.js';
import type { SandboxRecord } from './sandbox-record.js';

export type ValueKind = 'number' | 'datetime' | 'text';

export interface CompiledSearch {
  readonly matches: (record: SandboxRecord) => boolean;
  readonly compare: (a: SandboxRecord, b: SandboxRecord) => number;
}

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

/** HubSpot's limits on one search request (developer changelog, August 2024). */
export const MAX_FILTER_GROUPS = 5;
export const MAX_FILTERS_PER_GROUP = 10;
export const MAX_FILTERS_TOTAL = 25;

type Predicate = (record: SandboxRecord) => boolean;

export function compileSearch(
  body: Record<string, unknown>,
  kindOf: (property: string) => ValueKind,
): CompiledSearch | HttpError {
  const groups = Array.isArray(body['filterGroups']) ? (body['filterGroups'] as unknown[]) : [];
  if (groups.length > MAX_FILTER_GROUPS)
    return validationError(`Too many filter groups (max ${MAX_FILTER_GROUPS}).`);
  let total = 0;
  const compiledGroups: Predicate[][] = [];
  for (const group of groups) {
    const filters = Array.isArray((group as Record<string, unknown>)?.['filters'])
      ? ((group as Record<string, unknown>)['filters'] as unknown[])
      : [];
    if (filters.length > MAX_FILTERS_PER_GROUP) {
      return validationError(`Too many filters in a filter group (max ${MAX_FILTERS_PER_GROUP}).`);
    }
    total += filters.length;
    const predicates: Predicate[] = [];
    for (const raw of filters) {
      const predicate = compileFilter(raw as Record<string, unknown>, kindOf);
      if ('status' in predicate) return predicate;
      predicates.push(predicate.fn);
    }
    compiledGroups.push(predicates);
  }
  if (total > MAX_FILTERS_TOTAL) return validationError(`Too many filters (max ${MAX_FILTERS_TOTAL}).`);
  const matches: Predicate =
    compiledGroups.length === 0
      ? () => true
      : (record) => compiledGroups.some((group) => group.every((p) => p(record)));
  const sort = parseSort(body['sorts']);
  if ('status' in sort) return sort;
  return { matches, compare: makeComparator(sort.property, sort.descending, kindOf(sort.property)) };
}

function compileFilter(
  filter: Record<string, unknown>,
  kindOf: (property: string) => ValueKind,
): { fn: Predicate } | HttpError {
  const property = filter['propertyName'];
  const operator = filter['operator'];
  if (typeof property !== 'string' || typeof operator !== 'string' || !OPERATORS.has(operator)) {
    return validationError(`Invalid filter: ${JSON.stringify(filter)}`);
  }
  const kind = kindOf(property);
  const get = (r: SandboxRecord): string | null => {
    const v = r.properties[property];
    return v === undefined || v === '' ? null : v;
  };
  if (operator === 'HAS_PROPERTY') return { fn: (r) => get(r) !== null };
  if (operator === 'NOT_HAS_PROPERTY') return { fn: (r) => get(r) === null };
  if (operator === 'IN' || operator === 'NOT_IN') {
    const values = Array.isArray(filter['values']) ? (filter['values'] as unknown[]).map(String) : [];
    const keys = new Set(values.map((v) => key(v, kind)));
    const inSet = (r: SandboxRecord): boolean => {
      const v = get(r);
      return v !== null && keys.has(key(v, kind));
    };
    return { fn: operator === 'IN' ? inSet : (r) => !inSet(r) };
  }
  if (filter['value'] === undefined) return validationError(`Filter on ${property} needs a value.`);
  const target = String(filter['value']);
  if (operator === 'CONTAINS_TOKEN' || operator === 'NOT_CONTAINS_TOKEN') {
    const token = target.replaceAll('*', '').toLowerCase();
    const contains = (r: SandboxRecord): boolean => (get(r) ?? '').toLowerCase().includes(token);
    return { fn: operator === 'CONTAINS_TOKEN' ? contains : (r) => !contains(r) };
  }
  const low = key(target, kind);
  if (operator === 'BETWEEN') {
    if (filter['highValue'] === undefined)
      return validationError(`BETWEEN on ${property} needs a highValue.`);
    const high = key(String(filter['highValue']), kind);
    return { fn: (r) => compareKeys(r, get, kind, (k) => cmp(k, low) >= 0 && cmp(k, high) <= 0) };
  }
  const test: Record<string, (c: number) => boolean> = {
    EQ: (c) => c === 0,
    NEQ: (c) => c !== 0,
    LT: (c) => c < 0,
    LTE: (c) => c <= 0,
    GT: (c) => c > 0,
    GTE: (c) => c >= 0,
  };
  const accept = test[operator]!;
  // NEQ matches records without a value too; the other comparisons need one.
  if (operator === 'NEQ') return { fn: (r) => get(r) === null || accept(cmp(key(get(r)!, kind), low)) };
  return { fn: (r) => compareKeys(r, get, kind, (k) => accept(cmp(k, low))) };
}

function compareKeys(
  r: SandboxRecord,
  get: (r: SandboxRecord) => string | null,
  kind: ValueKind,
  test: (k: number | string) => boolean,
): boolean {
  const v = get(r);
  return v !== null && test(key(v, kind));
}

export function key(value: string, kind: ValueKind): number | string {
  if (kind === 'number') return Number(value);
  if (kind === 'datetime') return /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
  return value.toLowerCase();
}

function cmp(a: number | string, b: number | string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function parseSort(raw: unknown): { property: string; descending: boolean } | HttpError {
  if (!Array.isArray(raw) || raw.length === 0) return { property: 'hs_object_id', descending: false };
  if (raw.length > 1) return validationError('Only one sort is supported.');
  const sort = raw[0];
  if (typeof sort === 'string') {
    return sort.startsWith('-')
      ? { property: sort.slice(1), descending: true }
      : { property: sort, descending: false };
  }
  const s = (sort ?? {}) as Record<string, unknown>;
  if (typeof s['propertyName'] !== 'string') return validationError('A sort needs a propertyName.');
  return { property: s['propertyName'], descending: s['direction'] === 'DESCENDING' };
}

function makeComparator(
  property: string,
  descending: boolean,
  kind: ValueKind,
): (a: SandboxRecord, b: SandboxRecord) => number {
  const sign = descending ? -1 : 1;
  return (a, b) => {
    const va = a.properties[property];
    const vb = b.properties[property];
    // Records without a value sort last either way; ids break ties so paging is stable.
    if (va == null || va === '' || vb == null || vb === '') {
      const missing = Number(va == null || va === '') - Number(vb == null || vb === '');
      if (missing !== 0) return missing;
    } else {
      const c = cmp(key(va, kind), key(vb, kind));
      if (c !== 0) return sign * c;
    }
    return Number(a.id) - Number(b.id);
  };
}
