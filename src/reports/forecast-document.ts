import type { ForecastResult } from '../metrics/forecast.js';
import type { AccuracyRow, MethodSummary } from '../metrics/forecast-accuracy.js';
import { roundMoney, roundRatio } from './rounding.js';

/** DESIGN §7 `forecast` document, exactly; money and ratios rounded as every document is. */
export function forecastDocument(result: ForecastResult) {
  const t = result.team;
  return {
    period: { start: result.period.start, end: result.period.end },
    currency: result.currency,
    method: result.method,
    team: {
      closedWon: roundMoney(t.closedWon),
      weightedPipeline: roundMoney(t.weightedPipeline),
      commit: roundMoney(t.commit),
      bestCase: roundMoney(t.bestCase),
      p10: roundMoney(t.distribution.p10),
      p50: roundMoney(t.distribution.p50),
      p90: roundMoney(t.distribution.p90),
      probabilityOfQuota: roundRatio(t.distribution.probabilityOfQuota),
    },
    reps: result.reps.map((r) => ({
      ownerEmail: r.ownerEmail,
      closedWon: roundMoney(r.closedWon),
      weightedPipeline: roundMoney(r.weightedPipeline),
      p50: roundMoney(r.distribution.p50),
    })),
  };
}

/** The scored forecasts of `forecast accuracy --json` and `forecast backtest --json`. */
export function accuracyScores(rows: readonly AccuracyRow[]) {
  return rows.map((r) => ({
    ...r,
    forecast: roundMoney(r.forecast),
    actual: roundMoney(r.actual),
    absPctError: roundRatio(r.absPctError),
    bias: roundRatio(r.bias),
  }));
}

/** Each method's mean week-4 error and bias, as both accuracy documents carry them. */
export function accuracyMethods(summaries: readonly MethodSummary[]) {
  return summaries.map((s) => ({
    ...s,
    meanWeek4Error: roundRatio(s.meanWeek4Error),
    meanWeek4Bias: roundRatio(s.meanWeek4Bias),
  }));
}
