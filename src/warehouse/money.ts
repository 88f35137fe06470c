/**
 * Money crosses the warehouse boundary as decimal text (`numeric` columns, never floats, DESIGN
 * §4); in between it is whole cents as a bigint, so splitting and summing never drift. Pull (CRM
 * quotas) and imports (CSV quotas) both read amounts through these two.
 */

/** Parses a non-negative decimal to whole cents, rounding half up; null when it is not one. */
export function toCents(amount: string): bigint | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return null;
  const fraction = (m[2] ?? '').padEnd(3, '0');
  const cents = BigInt(m[1] as string) * 100n + BigInt(fraction.slice(0, 2));
  return Number(fraction[2]) >= 5 ? cents + 1n : cents;
}

export function centsToDecimal(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
