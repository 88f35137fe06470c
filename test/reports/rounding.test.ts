import { describe, expect, it } from 'vitest';
import { PRECISION, roundDays, roundMoney, roundRatio, roundTo } from '../../src/reports/rounding.js';

describe('one rounding for every document', () => {
  it.each([
    ['money to cents', roundMoney(1234.565), 1234.57],
    ['money keeps whole amounts', roundMoney(125000), 125000],
    ['a ratio to 6 decimals (1,234 of 9,999 trials)', roundRatio(1234 / 9999), 0.123412],
    ['a day count to 0.1', roundDays(41.25), 41.3],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('passes null through, as undefined figures stay null in the JSON', () => {
    expect([roundMoney(null), roundRatio(null), roundDays(null)]).toEqual([null, null, null]);
  });

  it('rounds each kind through roundTo at its named precision', () => {
    const x = 0.123456789;
    expect(roundRatio(x)).toBe(roundTo(x, PRECISION.ratio));
    expect(roundMoney(x * 1e4)).toBe(roundTo(x * 1e4, PRECISION.money));
    expect(roundDays(x * 100)).toBe(roundTo(x * 100, PRECISION.days));
  });
});
