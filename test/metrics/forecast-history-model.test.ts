import { describe, expect, it } from 'vitest';
import {
  type ClosedDealHistory,
  closeWithin,
  DAY_MS,
  PRIOR_WEIGHT,
  type StageInfo,
  trainHistoryModel,
  winProbability,
} from '../../src/metrics/history-model.js';

const stages: StageInfo[] = [
  { id: 'qualify', rank: 0, isClosed: false, isWon: false, crmProbability: 0.1 },
  { id: 'propose', rank: 1, isClosed: false, isWon: false, crmProbability: 0.9 },
  { id: 'won', rank: -1, isClosed: true, isWon: true, crmProbability: 1 },
  { id: 'lost', rank: -1, isClosed: true, isWon: false, crmProbability: 0 },
];

/** Deterministic uniform draws (LCG), so the planted sample is the same on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    return (s >>> 0) / 4294967296;
  };
}

describe('history model', () => {
  it('recovers a planted stage-to-win rate', () => {
    // 3,000 deals reach "propose" and win with p = 0.35; 1,000 more die in "qualify". The rate
    // from "propose" is a binomial share of n = 3,000: SE = √(0.35·0.65/3000) ≈ 0.0087. The
    // prior adds at most PRIOR_WEIGHT/(n+PRIOR_WEIGHT) ≈ 0.0004 of bias. Allow 4·SE + bias ≈ 0.035.
    const random = lcg(1);
    const deals: ClosedDealHistory[] = [];
    const t0 = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 3000; i++) {
      const entered = t0 + i * 3_600_000;
      deals.push({
        won: random() < 0.35,
        createdAt: entered,
        closedAt: entered + 30 * DAY_MS,
        entries: [
          { rank: 0, at: entered },
          { rank: 1, at: entered + 10 * DAY_MS },
        ],
      });
    }
    for (let i = 0; i < 1000; i++) {
      const entered = t0 + i * 3_600_000;
      deals.push({
        won: false,
        createdAt: entered,
        closedAt: entered + 5 * DAY_MS,
        entries: [{ rank: 0, at: entered }],
      });
    }
    const model = trainHistoryModel(stages, deals);
    const n = 3000;
    const tolerance = 4 * Math.sqrt((0.35 * 0.65) / n) + PRIOR_WEIGHT / (n + PRIOR_WEIGHT);
    expect(Math.abs((model.stages[1]?.winRate ?? 0) - 0.35)).toBeLessThan(tolerance);
    // Passing rule: every deal passed "qualify", so its rate is won ÷ 4,000 ≈ 0.2625.
    expect(Math.abs((model.stages[0]?.winRate ?? 0) - 0.2625)).toBeLessThan(
      4 * Math.sqrt((0.26 * 0.74) / 4000) + 0.001,
    );
    // Every won deal closed 20 days after entering "propose".
    expect(model.stages[1]?.daysToWin[0]).toBeCloseTo(20);
    // Time in "propose" is 20 days for all, so the ageing threshold is 20: at 40 days the rate halves.
    expect(winProbability(model, 1, 10)).toBeCloseTo(model.stages[1]?.winRate ?? 0);
    expect(winProbability(model, 1, 40)).toBeCloseTo((model.stages[1]?.winRate ?? 0) / 2);
    // 5 days in: the win comes on day 20, inside [0, 30] and outside [21, 60].
    expect(closeWithin(model, 1, 5, 0, 30)).toBe(1);
    expect(closeWithin(model, 1, 5, 21, 60)).toBe(0);
    // Older than every won deal (25 days): spread over the next median (20) days; [25, 35] holds half.
    expect(closeWithin(model, 1, 25, 0, 35)).toBeCloseTo(0.5);
    expect(model.medianCycleDays).toBeCloseTo(30);
  });

  it('falls back to the CRM probability when a stage has no closed deals', () => {
    const model = trainHistoryModel(stages, []);
    expect(model.trainedOn).toBe(0);
    expect(model.stages[1]?.winRate).toBeCloseTo(0.9);
    expect(closeWithin(model, 1, 0, 0, 10)).toBeNull();
  });
});
