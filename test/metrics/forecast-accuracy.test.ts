import { describe, expect, it } from 'vitest';
import type { ForecastMethod } from '../../src/metrics/forecast.js';
import {
  type AccuracyRow,
  DEFAULT_METHOD,
  scoreForecast,
  summarizeAccuracy,
} from '../../src/metrics/forecast-accuracy.js';

/** Issue #15: forecast scoring and the default-method choice, with hand-computed errors. */
function row(
  periodKey: string,
  method: ForecastMethod,
  forecast: number,
  actual: number,
  options: { week?: number; source?: 'snapshot' | 'backtest' } = {},
): AccuracyRow {
  return {
    periodKey,
    method,
    week: options.week ?? 4,
    source: options.source ?? 'snapshot',
    forecast,
    actual,
    ...scoreForecast(forecast, actual),
  };
}

describe('scoreForecast', () => {
  it.each([
    // forecast, actual, |f − a| ÷ a, (f − a) ÷ a — by hand
    [1100, 1000, 0.1, 0.1],
    [750, 1000, 0.25, -0.25],
    [3000, 1000, 2, 2],
    [0, 500, 1, -1],
  ])('forecast %d against actual %d: error %d, bias %d', (forecast, actual, error, bias) => {
    const s = scoreForecast(forecast, actual);
    expect(s.absPctError).toBeCloseTo(error, 12);
    expect(s.bias).toBeCloseTo(bias, 12);
  });

  it('leaves a period with nothing won unscored', () => {
    expect(scoreForecast(1234, 0)).toEqual({ absPctError: null, bias: null });
  });
});

describe('summarizeAccuracy picks the default method', () => {
  // Six closed quarters in time order; 2025-Q4 won nothing. The last 4 with an actual > 0 are
  // 2025-Q2, 2025-Q3, 2026-Q1 and 2026-Q2, so 2025-Q1 no longer counts. Actual 1,000 each.
  const periods = ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2'];
  const recent = ['2025-Q2', '2025-Q3', '2026-Q1', '2026-Q2'];
  const forecasts: Record<ForecastMethod, number[]> = {
    // errors in the recent four: 0.5 each → mean 0.5
    crm_weighted: [1000, 1500, 1500, 100, 1500, 1500],
    // 0.1, 0.2, 0.3, 0 → mean 0.15, bias −0.15
    commit: [1000, 900, 800, 100, 700, 1000],
    // 0.3, 0.2, 0.1, 0 → mean 0.15, bias +0.15: a tie with commit (summed in another order the
    // two means differ in the 17th digit: 0.15000000000000002 against 0.15)
    best_case: [1000, 1300, 1200, 100, 1100, 1000],
    // perfect only in 2025-Q1, which has dropped out; 0.25 each in the recent four → 0.25
    history: [1000, 1250, 1250, 100, 750, 750],
    // 0.2 each → 0.2 (a perfect backtest row for 2026-Q2 loses to the live snapshot below)
    monte_carlo: [1000, 1200, 1200, 100, 800, 1200],
    // 0.4 each → 0.4
    run_rate: [1000, 1400, 600, 100, 1400, 600],
  };
  const rows: AccuracyRow[] = [];
  periods.forEach((p, i) => {
    const actual = p === '2025-Q4' ? 0 : 1000;
    for (const [method, values] of Object.entries(forecasts) as [ForecastMethod, number[]][]) {
      rows.push(row(p, method, values[i] as number, actual));
      // Week 1 and 8 rows never enter the choice: a perfect week-1 run rate changes nothing.
      rows.push(row(p, method, method === 'run_rate' ? actual : 5000, actual, { week: 1 }));
    }
  });
  rows.push(row('2026-Q2', 'monte_carlo', 1000, 1000, { source: 'backtest' }));

  it('scores the last four closed periods with an actual, live beating backtest', () => {
    const { summaries } = summarizeAccuracy(rows);
    const by = new Map(summaries.map((s) => [s.method, s]));
    expect(by.get('commit')?.periods).toEqual(recent);
    expect(by.get('crm_weighted')?.meanWeek4Error).toBeCloseTo(0.5, 12);
    expect(by.get('commit')?.meanWeek4Error).toBeCloseTo(0.15, 12);
    expect(by.get('commit')?.meanWeek4Bias).toBeCloseTo(-0.15, 12);
    expect(by.get('best_case')?.meanWeek4Error).toBeCloseTo(0.15, 12);
    expect(by.get('best_case')?.meanWeek4Bias).toBeCloseTo(0.15, 12);
    expect(by.get('history')?.meanWeek4Error).toBeCloseTo(0.25, 12);
    expect(by.get('monte_carlo')?.meanWeek4Error).toBeCloseTo(0.2, 12);
    expect(by.get('run_rate')?.meanWeek4Error).toBeCloseTo(0.4, 12);
  });

  it('breaks a tie by the order of FORECAST_METHODS (commit before best_case), whatever the row order', () => {
    expect(summarizeAccuracy(rows).best).toBe('commit');
    // Within each period the rows arrive in another method order: the choice does not move.
    expect(
      summarizeAccuracy([...rows].reverse().sort((a, b) => a.periodKey.localeCompare(b.periodKey))).best,
    ).toBe('commit');
  });

  it('keeps the lowest error when there is no tie', () => {
    const without = rows.filter((r) => r.method !== 'commit' && r.method !== 'best_case');
    expect(summarizeAccuracy(without).best).toBe('monte_carlo');
  });

  it('stays on the CRM-weighted pipeline until a period with an actual has been scored', () => {
    expect(summarizeAccuracy([]).best).toBe(DEFAULT_METHOD);
    expect(DEFAULT_METHOD).toBe('crm_weighted');
    expect(summarizeAccuracy(rows.filter((r) => r.periodKey === '2025-Q4')).best).toBe('crm_weighted');
  });
});
