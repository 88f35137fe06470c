import { createHash } from 'node:crypto';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { YamlProblemList as ProblemList, syntaxProblems, type YamlPath } from '../yaml-problems.js';
import { contradiction, shadows } from './pool-match.js';
import type {
  DeficitPeriod,
  MatchCondition,
  PoolRules,
  RoutingRules,
  RulesProblem,
} from './routing-model.js';

/**
 * `routing.yaml` (DESIGN §11; the user's guide with an example is docs/routing.md): validated
 * whole like an import, so a file with any problem is refused and every problem is listed with
 * its line. The shapes are checked by zod one pool and one condition at a time (so a bad pool
 * does not hide the problems of the others); what zod cannot see — owners the CRM does not
 * know, shadowed pools, the fallback — is checked on whatever parsed.
 */
export type ParsedRules = { ok: true; rules: RoutingRules } | { ok: false; problems: RulesProblem[] };

export interface KnownOwners {
  /** Lower-cased emails of the connection's owners. */
  readonly ownerEmails: ReadonlySet<string>;
}

const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected text, a number or true/false',
});
const bound = z.number().nullable().optional();
const conditionSchema = z.strictObject({
  field: z.string().trim().min(1),
  equals: scalar.optional(),
  in: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .optional(),
  range: z.strictObject({ min: bound, max: bound }).optional(),
  present: z.boolean().optional(),
});
const cap = z.number().int().nonnegative().nullable().optional();
const poolSchema = z.strictObject({
  name: z.string().trim().min(1),
  match: z.array(z.unknown()).optional(),
  members: z.union([z.literal('rotation'), z.array(z.string())], {
    error: 'expected a list of owner emails or the word rotation',
  }),
  capacity: z.strictObject({ perDay: cap, perWeek: cap }).optional(),
  period: z.enum(['week', 'month', 'quarter']).optional(),
  catchUp: z.boolean().optional(),
  slaMinutes: z.number().int().positive().nullable().optional(),
  maxReroutes: z.number().int().nonnegative().optional(),
  matchAccounts: z.boolean().optional(),
});
const lenientPoolSchema = z.object(poolSchema.shape);
const topSchema = z.strictObject({
  routeFrom: z.array(z.string()).optional(),
  fallback: z.string().trim().min(1).optional(),
  pools: z.array(z.unknown()).min(1),
});

type Path = YamlPath;

function parseCondition(raw: unknown, path: Path, out: ProblemList): MatchCondition | null {
  const parsed = conditionSchema.safeParse(raw);
  if (!parsed.success) {
    out.addZod(path, parsed.error, raw);
    return null;
  }
  const c = parsed.data;
  const ops = (['equals', 'in', 'range', 'present'] as const).filter((op) => c[op] !== undefined);
  if (ops.length !== 1) {
    out.add(path, `a condition needs exactly one of equals, in, range, present (found ${ops.length})`);
    return null;
  }
  const field = c.field;
  if (c.equals !== undefined) return { field, op: 'equals', value: c.equals };
  if (c.in !== undefined) return { field, op: 'in', values: c.in };
  if (c.present !== undefined) return { field, op: 'present', present: c.present };
  const min = c.range?.min ?? null;
  const max = c.range?.max ?? null;
  if (min === null && max === null) {
    out.add([...path, 'range'], 'a range needs min, max or both');
    return null;
  }
  if (min !== null && max !== null && min > max) {
    out.add([...path, 'range'], `min ${min} is above max ${max}`);
    return null;
  }
  return { field, op: 'range', min, max };
}

/**
 * A pool as far as it parsed: `pool` is null when its shape or a condition is wrong (its
 * conditions could not be trusted for the shadow check); `valid` says whether it may be used.
 */
function parsePool(
  raw: unknown,
  index: number,
  known: KnownOwners,
  out: ProblemList,
): { pool: PoolRules | null; valid: boolean } {
  const path = ['pools', index];
  const strict = poolSchema.safeParse(raw);
  if (!strict.success) out.addZod(path, strict.error, raw);
  // A pool with only unknown keys wrong is still checked for everything else, so one pass
  // lists every problem; it is never returned.
  const parsed = strict.success ? strict : lenientPoolSchema.safeParse(raw);
  if (!parsed.success) return { pool: null, valid: false };
  const p = parsed.data;
  let valid = strict.success;
  let conditionsValid = true;
  const match: MatchCondition[] = [];
  (p.match ?? []).forEach((rawCondition, i) => {
    const condition = parseCondition(rawCondition, [...path, 'match', i], out);
    if (condition) match.push(condition);
    else conditionsValid = false;
  });
  if (!conditionsValid) return { pool: null, valid: false };
  let members: PoolRules['members'] = 'rotation';
  if (p.members !== 'rotation') {
    if (p.members.length === 0) {
      out.add([...path, 'members'], `pool "${p.name}" has no members (list owner emails, or say rotation)`);
      valid = false;
    }
    const seen = new Set<string>();
    p.members.forEach((rawEmail, i) => {
      const email = rawEmail.trim().toLowerCase();
      if (seen.has(email)) {
        out.add([...path, 'members', i], `${email} is listed twice in pool "${p.name}"`);
        valid = false;
      } else if (!known.ownerEmails.has(email)) {
        out.add(
          [...path, 'members', i],
          `unknown owner ${email}: no owner of this connection has that email`,
        );
        valid = false;
      }
      seen.add(email);
    });
    members = [...seen];
  }
  const perDay = p.capacity?.perDay ?? null;
  const perWeek = p.capacity?.perWeek ?? null;
  for (const [key, value] of [
    ['perDay', perDay],
    ['perWeek', perWeek],
  ] as const) {
    if (value === 0) {
      out.add(
        [...path, 'capacity', key],
        `a capacity of 0 leaves no member of pool "${p.name}" able to take a lead; raise it or remove it`,
      );
      valid = false;
    }
  }
  const pool: PoolRules = {
    name: p.name,
    match,
    members,
    capacity: { perDay, perWeek },
    period: (p.period ?? 'month') as DeficitPeriod,
    catchUp: p.catchUp ?? false,
    slaMinutes: p.slaMinutes ?? null,
    maxReroutes: p.maxReroutes ?? 1,
    matchAccounts: p.matchAccounts ?? false,
  };
  return { pool, valid };
}

/** JSON with every object's keys sorted, so the hash ignores key order and comments. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 of the rules as they route (defaults filled in, emails lower-cased, member lists and
 * routeFrom sorted since their order never changes a decision), not of the file's bytes.
 */
export function rulesHash(rules: Omit<RoutingRules, 'hash'>): string {
  const canonical = {
    routeFrom: [...rules.routeFrom].sort(),
    fallback: rules.fallback,
    pools: rules.pools.map((pool) => ({
      ...pool,
      members: pool.members === 'rotation' ? 'rotation' : [...pool.members].sort(),
    })),
  };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

function checkFallbackAndShadows(
  pools: readonly (PoolRules | null)[],
  fallback: string | undefined,
  out: ProblemList,
): void {
  if (fallback === undefined) {
    out.add(
      [],
      'no fallback: name the pool that takes every lead no other pool matches (fallback: NAME)',
      'fallback',
    );
  } else {
    const index = pools.findIndex((pool) => pool?.name === fallback);
    const last = pools.length - 1;
    if (index === -1 && pools.every((pool) => pool !== null)) {
      out.add([], `the fallback "${fallback}" is not one of the pools`, 'fallback');
    } else if (index !== -1 && index !== last) {
      out.add(['pools', index], `the fallback pool "${fallback}" must be the last pool`, 'name');
    }
    const pool = index === -1 ? null : pools[index];
    if (pool && pool.match.length > 0) {
      out.add(['pools', index], `the fallback pool "${fallback}" takes every lead; it has no match`, 'match');
    }
  }
  const names = new Map<string, number>();
  pools.forEach((pool, j) => {
    if (!pool) return;
    if (names.has(pool.name)) out.add(['pools', j], `a second pool named "${pool.name}"`, 'name');
    else names.set(pool.name, j);
    const never = contradiction(pool);
    if (never) {
      out.add(['pools', j], `pool "${pool.name}" can never match: ${never}`, 'match');
      return;
    }
    const earlier = pools.slice(0, j).find((candidate) => candidate !== null && shadows(candidate, pool));
    if (earlier) {
      const why =
        earlier.match.length === 0
          ? `pool "${earlier.name}" before it has no conditions and takes every lead`
          : `pool "${earlier.name}" before it matches every lead it would (same or wider conditions on ${earlier.match.map((c) => c.field).join(', ')})`;
      out.add(['pools', j], `pool "${pool.name}" can never match: ${why}`);
    }
  });
}

export function parseRoutingRules(text: string, known: KnownOwners): ParsedRules {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const out = new ProblemList(doc, lines);
  if (doc.errors.length > 0) return { ok: false, problems: syntaxProblems(doc) };
  const data: unknown = doc.toJS();
  const strictTop = topSchema.safeParse(data);
  if (!strictTop.success) out.addZod([], strictTop.error, data);
  const top = strictTop.success ? strictTop : z.object(topSchema.shape).safeParse(data);
  if (!top.success) return { ok: false, problems: out.problems };
  const routeFrom: string[] = [];
  (top.data.routeFrom ?? []).forEach((rawEmail, i) => {
    const email = rawEmail.trim().toLowerCase();
    if (!known.ownerEmails.has(email)) {
      out.add(['routeFrom', i], `unknown owner ${email}: no owner of this connection has that email`);
    }
    routeFrom.push(email);
  });
  const parsedPools = top.data.pools.map((raw, i) => parsePool(raw, i, known, out));
  const pools = parsedPools.map((p) => p.pool);
  // A lead routed to a routeFrom owner would count as unowned again and be routed for ever.
  const unowned = new Set(routeFrom);
  pools.forEach((pool, i) => {
    if (!pool || pool.members === 'rotation') return;
    pool.members.forEach((email, j) => {
      if (unowned.has(email)) {
        out.add(['pools', i, 'members', j], `${email} is in routeFrom: leads given to them count as unowned`);
      }
    });
  });
  const fallback = top.data.fallback;
  checkFallbackAndShadows(pools, fallback, out);
  if (
    !strictTop.success ||
    out.problems.length > 0 ||
    fallback === undefined ||
    parsedPools.some((p) => !p.valid)
  ) {
    // In file order, so a person fixes them top to bottom.
    const byLine = [...out.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    return { ok: false, problems: byLine };
  }
  const valid = pools as PoolRules[];
  const body = { routeFrom, pools: valid, fallback };
  return { ok: true, rules: { hash: rulesHash(body), ...body } };
}
