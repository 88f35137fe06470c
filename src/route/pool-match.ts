import type { MatchCondition, PoolRules, RoutableLead, RoutingRules } from './routing-model.js';

/**
 * Which pool a lead belongs to (DESIGN §11): the first pool, in the order of the rules, whose
 * conditions all hold. The fallback is the last pool and has no conditions, so it takes every
 * lead no earlier pool matched. Strings compare case- and edge-space-insensitively (CRMs return
 * "Germany", "germany " and "GERMANY" for the same picklist value); a number in the rules
 * matches a numeric string on the lead (Salesforce returns some numbers as strings).
 */
type FieldValue = string | number | boolean | null | undefined;

function asNumber(value: FieldValue): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function norm(text: string): string {
  return text.trim().toLowerCase();
}

function isPresent(value: FieldValue): boolean {
  return value !== null && value !== undefined && !(typeof value === 'string' && value.trim() === '');
}

function sameValue(lead: FieldValue, rule: string | number | boolean): boolean {
  if (!isPresent(lead)) return false;
  if (typeof rule === 'number') return asNumber(lead) === rule;
  if (typeof rule === 'boolean') {
    return typeof lead === 'boolean' ? lead === rule : norm(String(lead)) === String(rule);
  }
  return norm(String(lead)) === norm(rule);
}

export function conditionHolds(condition: MatchCondition, lead: RoutableLead): boolean {
  const value = lead.fields[condition.field];
  switch (condition.op) {
    case 'equals':
      return sameValue(value, condition.value);
    case 'in':
      return condition.values.some((v) => sameValue(value, v));
    case 'range': {
      const n = asNumber(value);
      if (n === null) return false;
      return (condition.min === null || n >= condition.min) && (condition.max === null || n <= condition.max);
    }
    case 'present':
      return isPresent(value) === condition.present;
  }
}

export function poolMatches(pool: PoolRules, lead: RoutableLead): boolean {
  return pool.match.every((condition) => conditionHolds(condition, lead));
}

/** The pool a lead is routed in: the first that matches (the fallback, last, always does). */
export function matchPool(rules: RoutingRules, lead: RoutableLead): PoolRules {
  for (const pool of rules.pools) {
    if (pool.name !== rules.fallback && poolMatches(pool, lead)) return pool;
  }
  const fallback = rules.pools.find((pool) => pool.name === rules.fallback);
  if (!fallback)
    throw new RangeError(`Routing rules name a fallback pool "${rules.fallback}" they do not hold.`);
  return fallback;
}

// ---- Shadowing: when can an earlier pool take every lead a later one would match? ----

/** A rule value as matching sees it: values with the same key match exactly the same leads. */
function ruleKey(value: string | number | boolean): string {
  if (typeof value === 'number') return `n:${value}`;
  if (typeof value === 'boolean') return `b:${value}`;
  return `s:${norm(value)}`;
}

function withinRange(value: string | number, min: number | null, max: number | null): boolean {
  if (typeof value !== 'number') return false; // a string's matches are not all numbers we can bound
  return (min === null || value >= min) && (max === null || value <= max);
}

/**
 * Whether every lead that satisfies `b` also satisfies `a` (same field assumed). Sound, not
 * complete: a `true` is a proof; a `false` only means this rule cannot prove it.
 */
export function conditionImplies(b: MatchCondition, a: MatchCondition): boolean {
  if (a.field !== b.field) return false;
  switch (a.op) {
    case 'present':
      // equals / in / range all need a value on the lead, so each implies `present: true`.
      return a.present ? b.op !== 'present' || b.present : b.op === 'present' && !b.present;
    case 'equals': {
      const key = ruleKey(a.value);
      if (b.op === 'equals') return ruleKey(b.value) === key;
      if (b.op === 'in') return b.values.length > 0 && b.values.every((v) => ruleKey(v) === key);
      return false;
    }
    case 'in': {
      const keys = new Set(a.values.map(ruleKey));
      if (b.op === 'equals') return keys.has(ruleKey(b.value));
      if (b.op === 'in') return b.values.every((v) => keys.has(ruleKey(v)));
      return false;
    }
    case 'range':
      if (b.op === 'range') {
        const lowOk = a.min === null || (b.min !== null && b.min >= a.min);
        const highOk = a.max === null || (b.max !== null && b.max <= a.max);
        return lowOk && highOk;
      }
      if (b.op === 'equals') return typeof b.value !== 'boolean' && withinRange(b.value, a.min, a.max);
      if (b.op === 'in') return b.values.every((v) => withinRange(v, a.min, a.max));
      return false;
  }
}

/**
 * Pool `later` is shadowed by pool `earlier` when each of `earlier`'s conditions is implied by
 * one of `later`'s conditions on the same field: then a lead matching `later` matches
 * `earlier` first, and `later` can never receive a lead. An earlier pool with no conditions
 * shadows every pool after it. Conditions combined across one field (two ranges that together
 * make a narrower one) are not combined, so the check can miss such a shadow; it never invents one.
 */
export function shadows(earlier: PoolRules, later: PoolRules): boolean {
  return earlier.match.every((a) => later.match.some((b) => conditionImplies(b, a)));
}

/**
 * Why a pool's own conditions can never hold together (two `equals` on one field with different
 * values, disjoint ranges, `present: false` beside a test that needs a value), or null. Like
 * the shadow rule, sound: a reason is a proof; null only means none was found.
 */
export function contradiction(pool: PoolRules): string | null {
  const fields = new Map<string, MatchCondition[]>();
  for (const c of pool.match) fields.set(c.field, [...(fields.get(c.field) ?? []), c]);
  for (const [field, conditions] of fields) {
    const presence = conditions.filter((c) => c.op === 'present');
    const needsValue = conditions.some((c) => c.op !== 'present' || c.present);
    if (presence.some((c) => c.op === 'present' && !c.present) && needsValue) {
      return `${field} must be absent and have a value`;
    }
    let allowed: Set<string> | null = null;
    for (const c of conditions) {
      const keys = c.op === 'equals' ? [ruleKey(c.value)] : c.op === 'in' ? c.values.map(ruleKey) : null;
      if (keys === null) continue;
      allowed =
        allowed === null ? new Set(keys) : new Set(keys.filter((k) => (allowed as Set<string>).has(k)));
    }
    if (allowed !== null && allowed.size === 0) return `no value of ${field} passes all its equals/in tests`;
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (const c of conditions) {
      if (c.op !== 'range') continue;
      if (c.min !== null) low = Math.max(low, c.min);
      if (c.max !== null) high = Math.min(high, c.max);
    }
    if (low > high) return `the ranges on ${field} do not overlap`;
  }
  return null;
}
