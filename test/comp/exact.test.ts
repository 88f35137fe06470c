import { describe, expect, it } from 'vitest';
import { fraction, fromNumber, roundToCents, sub } from '../../src/comp/exact.js';
import { roundMoney } from '../../src/reports/rounding.js';

describe('exact money', () => {
  it('reads a plan decimal as typed, not as its double', () => {
    expect(fromNumber(0.1)).toEqual({ num: 1n, den: 10n });
    expect(fromNumber(1.32)).toEqual({ num: 33n, den: 25n });
    expect(fromNumber(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    expect(fromNumber(-2.5)).toEqual({ num: -5n, den: 2n });
    expect(fromNumber(500000)).toEqual({ num: 500_000n, den: 1n });
  });

  it('rounds to cents half away from zero, on both sides', () => {
    expect(roundToCents(fraction(1005n, 1000n))).toBe(101n); // 1.005 → 1.01 (doubles: roundMoney(1.005) = 1)
    expect(roundMoney(1.005)).toBe(1);
    expect(roundToCents(fraction(-1005n, 1000n))).toBe(-101n); // −1.005 → −1.01
    expect(roundToCents(fraction(10_000_003_333n, 1_000_000n))).toBe(1_000_000n); // 10000.003333 → 10000.00
    expect(roundToCents(fraction(-1n, 300n))).toBe(0n); // −0.00333 → 0
    expect(roundToCents(sub(fraction(0n), fraction(1n, 200n)))).toBe(-1n); // −0.005 → −0.01
  });

  it('the 41/64 hire at 116 %: exactly 12684.375 → 12684.38, where doubles round to 12684.37', () => {
    // 20000 × 41/64 × 0.75 × (1 + (95120/82000 − 1) × 2) = 20000 × 41/64 × 0.75 × 1.32 = 12684.375 by hand.
    const doubles = 20000 * (41 / 64) * 0.75 * (1 + (95120 / 82000 - 1) * 2);
    expect(doubles).toBe(12684.374999999998);
    expect(roundMoney(doubles)).toBe(12684.37);
    expect(roundToCents(fraction(12_684_375n, 1000n))).toBe(1_268_438n);
  });
});
