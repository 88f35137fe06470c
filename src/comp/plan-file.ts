import { createHash } from 'node:crypto';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { YamlProblemList as ProblemList, syntaxProblems, valueAt, type YamlPath } from '../yaml-problems.js';
import type { CompPlan, CurvePoint, PlanComponent, PlanProblem, RateTier } from './comp-model.js';
import { compare, fromNumber, ONE, sum, toNumber } from './exact.js';

/**
 * `plan.yaml` (DESIGN §12; the user's guide is docs/compensation.md): validated whole like an
 * import, so a file with any problem is refused and every problem is listed with its line and
 * path. zod checks the shapes one component at a time (a bad component does not hide the others'
 * problems); what zod cannot see — weights summing to 1, a curve that decreases, a threshold
 * below the curve — is checked on whatever parsed. The plan is versioned by `planHash`.
 */
export type ParsedPlan = { ok: true; plan: CompPlan } | { ok: false; problems: PlanProblem[] };

const money = z
  .number({ error: 'expected an amount such as 20000 or 20000.50' })
  .nonnegative('must be 0 or more')
  .refine((n) => Number.isFinite(n) && 100n % fromNumber(n).den === 0n, 'has more than two decimals (cents)');
const pair = z.tuple([z.number(), z.number()], { error: 'expected a pair [x, y] of numbers' });
const componentSchema = z.strictObject({
  name: z.string().trim().min(1),
  measure: z.enum(['attainment', 'team_attainment', 'credited_amount']),
  weight: z.number().optional(),
  threshold: z.number().nonnegative('must be 0 or more').optional(),
  curve: z.array(pair).optional(),
  cap: z.number().nonnegative('must be 0 or more (a cap is the highest multiplier)').nullable().optional(),
  rates: z.array(pair).optional(),
});
// For a component whose strict shape failed: every key loosely typed, so the checks zod cannot
// make (a decreasing curve, the weights) still run and one pass lists every problem.
const lenientComponent = z.object({
  ...componentSchema.shape,
  measure: z.string(),
  threshold: z.number().optional(),
  cap: z.number().nullable().optional(),
});
const topSchema = z.strictObject({
  name: z.string().trim().min(1),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO code such as USD')
    .transform((c) => c.toUpperCase()),
  payoutPeriod: z.enum(['month', 'quarter']),
  targetIncentive: money,
  components: z.array(z.unknown()).min(1, 'a plan needs at least one component'),
  clawback: z
    .strictObject({ lookbackDays: z.number().int('must be a whole number of days').nonnegative() })
    .optional(),
  draw: money.optional(),
});

type Path = YamlPath;

type Lenient = z.infer<typeof lenientComponent>;

const MEASURES: ReadonlySet<string> = new Set(['attainment', 'team_attainment', 'credited_amount']);

function checkCurve(c: Lenient, path: Path, out: ProblemList): boolean {
  const curve = c.curve;
  if (curve === undefined) {
    out.add(path, `component "${c.name}" measures ${c.measure}: it needs a curve`, 'curve');
    return false;
  }
  let ok = true;
  if (curve.length < 2) {
    out.add([...path, 'curve'], 'a curve needs at least two points [measure, multiplier]');
    return false;
  }
  curve.forEach(([x, y], j) => {
    if (y < 0) {
      out.add([...path, 'curve', j], `multiplier ${y} is negative`);
      ok = false;
    }
    const before = curve[j - 1];
    if (before === undefined) return;
    if (x <= before[0]) {
      out.add([...path, 'curve', j], `measure ${x} is not above the point before it (${before[0]})`);
      ok = false;
    } else if (y < before[1]) {
      out.add(
        [...path, 'curve', j],
        `the curve decreases: multiplier ${y} at ${x} is below ${before[1]} at ${before[0]}`,
      );
      ok = false;
    }
  });
  const first = (curve[0] as CurvePoint)[0];
  if (c.threshold !== undefined && c.threshold < first) {
    out.add(
      path,
      `threshold ${c.threshold} is below the curve's first point (${first}); the curve is not defined there`,
      'threshold',
    );
    ok = false;
  }
  if (c.rates !== undefined) {
    out.add(path, `rates belong to a credited_amount component, not ${c.measure}`, 'rates');
    ok = false;
  }
  if (c.weight === undefined) {
    out.add(path, `component "${c.name}" needs a weight (the weights of the plan sum to 1)`, 'weight');
    ok = false;
  } else if (c.weight <= 0 || c.weight > 1) {
    out.add([...path, 'weight'], `weight ${c.weight} must be above 0 and at most 1`);
    ok = false;
  }
  return ok;
}

function checkRates(c: Lenient, path: Path, out: ProblemList): boolean {
  let ok = true;
  for (const key of ['weight', 'curve', 'threshold', 'cap'] as const) {
    if (c[key] !== undefined) {
      out.add(path, `a credited_amount component is paid by its rates; it takes no ${key}`, key);
      ok = false;
    }
  }
  const rates = c.rates;
  if (rates === undefined || rates.length === 0) {
    out.add(path, 'a credited_amount component needs rates: [[0, rate], [threshold, rate], …]', 'rates');
    return false;
  }
  rates.forEach(([from, rate], j) => {
    if (j === 0 && from !== 0) {
      out.add([...path, 'rates', 0], `the first tier must start at 0, not ${from}`);
      ok = false;
    }
    if (rate < 0) {
      out.add([...path, 'rates', j], `rate ${rate} is negative`);
      ok = false;
    }
    const before = rates[j - 1];
    if (before !== undefined && from <= before[0]) {
      out.add([...path, 'rates', j], `threshold ${from} is not above the tier before it (${before[0]})`);
      ok = false;
    }
  });
  return ok;
}

function toComponent(c: Lenient): PlanComponent {
  const measure = c.measure as PlanComponent['measure'];
  if (measure === 'credited_amount') {
    return { kind: 'commission', name: c.name, measure, rates: c.rates as RateTier[] };
  }
  const curve = c.curve as CurvePoint[];
  return {
    kind: 'curve',
    name: c.name,
    measure,
    weight: c.weight as number,
    threshold: c.threshold ?? (curve[0] as CurvePoint)[0],
    curve,
    cap: c.cap ?? null,
  };
}

/** JSON with every object's keys sorted, so the hash ignores key order and comments. */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the plan as it pays (defaults filled in, component order kept), not of the file's bytes. */
export function planHash(plan: Omit<CompPlan, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

export function parsePlanFile(text: string): ParsedPlan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) return { ok: false, problems: syntaxProblems(doc) };
  const out = new ProblemList(doc, lines);
  const data: unknown = doc.toJS();
  const strictTop = topSchema.safeParse(data);
  if (!strictTop.success) out.addZod([], strictTop.error, data);
  const components: (Lenient | null)[] = [];
  const weights: { name: string; weight: number | undefined }[] = [];
  // A component whose keys could not even be read may carry a weight: no sum is then claimed.
  let unreadable = false;
  const rawComponents = valueAt(data, ['components']);
  (Array.isArray(rawComponents) ? rawComponents : []).forEach((raw, i) => {
    const path = ['components', i];
    const strict = componentSchema.safeParse(raw);
    if (!strict.success) out.addZod(path, strict.error, raw);
    // A component with only an unknown key wrong is still checked for everything else.
    const parsed = strict.success ? strict : lenientComponent.safeParse(raw);
    if (!parsed.success) {
      components.push(null);
      unreadable = true;
      return;
    }
    const c = parsed.data;
    const known = MEASURES.has(c.measure);
    const ok = !known
      ? false
      : c.measure === 'credited_amount'
        ? checkRates(c, path, out)
        : checkCurve(c, path, out);
    components.push(ok && strict.success ? c : null);
    if (known && c.measure !== 'credited_amount') weights.push({ name: c.name, weight: c.weight });
  });
  const names = new Map<string, number>();
  components.forEach((c, i) => {
    if (!c) return;
    if (names.has(c.name)) out.add(['components', i], `a second component named "${c.name}"`, 'name');
    names.set(c.name, i);
  });
  const allParsed = components.every((c) => c !== null);
  // Summed whenever every weighted component has a weight (a missing one is its own problem).
  if (!unreadable && weights.length > 0 && weights.every((w) => w.weight !== undefined)) {
    const total = sum(weights.map((w) => fromNumber(w.weight as number)));
    if (compare(total, ONE) !== 0) {
      const parts = weights.map((w) => `${w.name} ${w.weight}`).join(' + ');
      out.add([], `the weights sum to ${toNumber(total)} (${parts}), not 1`, 'components');
    }
  }
  if (!strictTop.success || out.problems.length > 0 || !allParsed) {
    const byLine = [...out.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    return { ok: false, problems: byLine };
  }
  const top = strictTop.data;
  const body: Omit<CompPlan, 'hash'> = {
    name: top.name,
    currency: top.currency,
    payoutPeriod: top.payoutPeriod,
    targetIncentiveCents: toCentsExact(top.targetIncentive),
    components: (components as Lenient[]).map(toComponent),
    clawbackLookbackDays: top.clawback?.lookbackDays ?? null,
    drawCents: top.draw === undefined ? null : toCentsExact(top.draw),
  };
  return { ok: true, plan: { ...body, hash: planHash(body) } };
}

/** An amount already checked to have at most two decimals, as cents. */
function toCentsExact(amount: number): bigint {
  const f = fromNumber(amount);
  return (f.num * 100n) / f.den;
}
