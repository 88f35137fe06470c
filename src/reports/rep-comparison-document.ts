import type { RepComparison, RepComparisonReport } from '../metrics/rep-comparison.js';
import { roundDays, roundMoney, roundRatio } from './rounding.js';

/** The `report reps --json` document of DESIGN §7, exactly (ratios 1 = 100%, days as numbers). */
export interface RepComparisonDocument {
  readonly period: { readonly start: string; readonly end: string };
  /** The rep's fields as compute has them, rounded for the document (no ids, names or stages). */
  readonly reps: readonly Pick<
    RepComparison,
    | 'ownerEmail'
    | 'won'
    | 'lost'
    | 'winRate'
    | 'winRateLow'
    | 'winRateHigh'
    | 'medianDealSize'
    | 'medianCycleDays'
    | 'coverage'
    | 'outlier'
  >[];
}

export function repComparisonDocument(report: RepComparisonReport): RepComparisonDocument {
  return {
    period: { start: report.period.start, end: report.period.end },
    reps: report.reps.map((r) => ({
      ownerEmail: r.ownerEmail,
      won: r.won,
      lost: r.lost,
      winRate: roundRatio(r.winRate),
      winRateLow: roundRatio(r.winRateLow),
      winRateHigh: roundRatio(r.winRateHigh),
      medianDealSize: roundMoney(r.medianDealSize),
      medianCycleDays: roundDays(r.medianCycleDays),
      coverage: roundRatio(r.coverage),
      outlier: r.outlier,
    })),
  };
}
