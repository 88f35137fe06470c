/**
 * The one rounding of every document (DESIGN §7 JSON, and the CSVs that carry the same figures):
 * each kind of figure has a named precision, and all of them round through `roundTo`. Money is
 * cents; ratios (1 = 100%) keep 6 decimals, enough for a percent with four decimals; day counts
 * keep one.
 */
export const PRECISION = { money: 2, ratio: 6, days: 1 } as const;

export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

export function roundMoney(value: number): number;
export function roundMoney(value: number | null): number | null;
export function roundMoney(value: number | null): number | null {
  return value === null ? null : roundTo(value, PRECISION.money);
}

export function roundRatio(value: number | null): number | null {
  return value === null ? null : roundTo(value, PRECISION.ratio);
}

export function roundDays(value: number | null): number | null {
  return value === null ? null : roundTo(value, PRECISION.days);
}
