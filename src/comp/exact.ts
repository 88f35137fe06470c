/**
 * Exact rational arithmetic for payouts. A payout is a product of decimals (target incentive,
 * weight, curve points, credited ÷ quota, working days ÷ working days); in floating point a true
 * half cent comes out a hair below and rounds the wrong way — a rep hired for 41 of 64 working
 * days at 116 % (multiplier 1.32) earns 20000 × 41/64 × 0.75 × 1.32 = 12684.375, which doubles
 * compute as 12684.374999999998 → 12684.37, not 12684.38 — and the statement would disagree with
 * the rep's own calculator. Here every
 * figure is a fraction of bigints until it is rounded to cents, once per component, half away
 * from zero (DESIGN §12). Floats are only made for display (`toNumber`).
 */
export interface Fraction {
  readonly num: bigint;
  /** Always > 0. */
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function fraction(num: bigint, den: bigint = 1n): Fraction {
  if (den === 0n) throw new RangeError('division by zero');
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den) || 1n;
  return { num: (sign * num) / g, den: (sign * den) / g };
}

export const ZERO = fraction(0n);
export const ONE = fraction(1n);

/**
 * The decimal a number was written as (YAML and JSON numbers arrive as doubles; their shortest
 * form, `String(n)`, is the text the person typed, e.g. 0.1 → 1/10, not 3602879701896397/2^55).
 */
export function fromNumber(value: number): Fraction {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(value));
  if (!m) throw new RangeError(`cannot read ${value} as a decimal`);
  const digits = (m[2] as string) + (m[3] ?? '');
  const exponent = Number(m[4] ?? 0) - (m[3] ?? '').length;
  const magnitude = BigInt(digits);
  const signed = m[1] === '-' ? -magnitude : magnitude;
  return exponent >= 0
    ? fraction(signed * 10n ** BigInt(exponent))
    : fraction(signed, 10n ** BigInt(-exponent));
}

export function cents(value: bigint): Fraction {
  return fraction(value, 100n);
}

export function add(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.num, a.den * b.den);
}

export function div(a: Fraction, b: Fraction): Fraction {
  if (b.num === 0n) throw new RangeError('division by zero');
  return fraction(a.num * b.den, a.den * b.num);
}

/** Negative, zero or positive as a < b, a = b, a > b. */
export function compare(a: Fraction, b: Fraction): number {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function min(a: Fraction, b: Fraction): Fraction {
  return compare(a, b) <= 0 ? a : b;
}

export function max(a: Fraction, b: Fraction): Fraction {
  return compare(a, b) >= 0 ? a : b;
}

export function sum(values: Iterable<Fraction>): Fraction {
  let total = ZERO;
  for (const value of values) total = add(total, value);
  return total;
}

/** An amount of money (in currency units) rounded to whole cents, half away from zero. */
export function roundToCents(amount: Fraction): bigint {
  const scaled = amount.num * 100n;
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  const whole = abs / amount.den;
  const rest = abs % amount.den;
  const rounded = rest * 2n >= amount.den ? whole + 1n : whole;
  return negative ? -rounded : rounded;
}

/** For display only (documents carry JSON numbers); never computed with again. */
export function toNumber(value: Fraction): number {
  return Number(value.num) / Number(value.den);
}

/** Whole cents as a JSON number of currency units (e.g. 1345313n → 13453.13). */
export function centsToNumber(value: bigint): number {
  return Number(value) / 100;
}
