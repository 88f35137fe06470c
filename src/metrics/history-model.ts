/**
 * The history-based forecast model, learned from this connection's own closed deals (pure; the
 * SQL that gathers the deals lives in forecast-data.ts).
 *
 * Rules (also in src/metrics/README.md, "Forecast"):
 * - Stage-to-win rate of open stage k = won ÷ closed among closed deals that reached stage k or
 *   a later one (reaching k counts as passing every earlier stage, DESIGN §5), shrunk toward the
 *   CRM's stage probability with PRIOR_WEIGHT pseudo-deals so a stage seen twice is not 0% or 100%.
 * - Time to close from stage k = days from entering k (or the first later stage, when k was
 *   skipped) to the win, over won deals that reached k.
 * - Ageing: a deal older in its stage than the 90th percentile of the time deals spent in that
 *   stage before moving on or closing has its win rate scaled by p90 ÷ age (halved at twice the
 *   usual p90). Slow deals lose more often; the scaling is monotone and never reaches zero.
 * - In-period chance: P(T ≤ periodEnd − entered | T > age) over the empirical times T; a deal
 *   older than every won deal's time closes at a uniform rate over the next median time.
 */

export const PRIOR_WEIGHT = 2;
export const DAY_MS = 86_400_000;

export interface StageInfo {
  readonly id: string;
  /** Order among open stages (0 = first); -1 for closed stages. */
  readonly rank: number;
  readonly isClosed: boolean;
  readonly isWon: boolean;
  /** CRM probability 0..1, null when the CRM has none. */
  readonly crmProbability: number | null;
}

export interface ClosedDealHistory {
  readonly won: boolean;
  /** Epoch ms of the close (entry into a closed stage). */
  readonly closedAt: number;
  readonly createdAt: number | null;
  /** Entries into open stages (rank, epoch ms), in time order. */
  readonly entries: readonly { readonly rank: number; readonly at: number }[];
}

export interface StageModel {
  readonly rank: number;
  readonly closed: number;
  readonly won: number;
  readonly winRate: number;
  /** Sorted days from entering this stage to the win. */
  readonly daysToWin: Float64Array;
  /** 90th percentile of days spent in this stage; null when never observed. */
  readonly ageingDays: number | null;
}

export interface HistoryModel {
  /** Closed deals learned from; 0 = untrained (callers fall back to CRM probabilities). */
  readonly trainedOn: number;
  readonly overallWinRate: number;
  readonly stages: readonly StageModel[];
  /** Median days from creation to win, null without won deals that have a creation time. */
  readonly medianCycleDays: number | null;
}

function sorted(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

function quantileOf(values: Float64Array, q: number): number | null {
  if (values.length === 0) return null;
  const h = (values.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, values.length - 1);
  return (values[lo] as number) + (h - lo) * ((values[hi] as number) - (values[lo] as number));
}

/** Count of sorted values ≤ x. */
function countAtMost(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function trainHistoryModel(
  stages: readonly StageInfo[],
  deals: readonly ClosedDealHistory[],
): HistoryModel {
  const openRanks = stages.filter((s) => !s.isClosed).map((s) => s.rank);
  const stageCount = openRanks.length === 0 ? 0 : Math.max(...openRanks) + 1;
  const crmByRank = new Map(stages.filter((s) => !s.isClosed).map((s) => [s.rank, s.crmProbability]));
  const closed = new Array<number>(stageCount).fill(0);
  const won = new Array<number>(stageCount).fill(0);
  const toWin: number[][] = Array.from({ length: stageCount }, () => []);
  const inStage: number[][] = Array.from({ length: stageCount }, () => []);
  const cycles: number[] = [];
  let wonTotal = 0;

  for (const deal of deals) {
    if (deal.won) wonTotal++;
    if (deal.won && deal.createdAt !== null) cycles.push((deal.closedAt - deal.createdAt) / DAY_MS);
    // Without recorded stages a closed deal still passed the first stage.
    const reached = deal.entries.reduce((max, e) => Math.max(max, e.rank), 0);
    for (let k = 0; k <= reached && k < stageCount; k++) {
      closed[k] = (closed[k] as number) + 1;
      if (!deal.won) continue;
      won[k] = (won[k] as number) + 1;
      const entry = deal.entries.find((e) => e.rank >= k);
      if (entry) toWin[k]?.push(Math.max(0, (deal.closedAt - entry.at) / DAY_MS));
    }
    deal.entries.forEach((entry, i) => {
      const left = deal.entries[i + 1]?.at ?? deal.closedAt;
      inStage[entry.rank]?.push(Math.max(0, (left - entry.at) / DAY_MS));
    });
  }

  const overallWinRate = deals.length ? wonTotal / deals.length : 0;
  const stageModels: StageModel[] = [];
  for (let k = 0; k < stageCount; k++) {
    const prior = crmByRank.get(k) ?? overallWinRate;
    const n = closed[k] as number;
    const w = won[k] as number;
    stageModels.push({
      rank: k,
      closed: n,
      won: w,
      winRate: (w + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT),
      daysToWin: sorted(toWin[k] ?? []),
      ageingDays: quantileOf(sorted(inStage[k] ?? []), 0.9),
    });
  }
  return {
    trainedOn: deals.length,
    overallWinRate,
    stages: stageModels,
    medianCycleDays: quantileOf(sorted(cycles), 0.5),
  };
}

/** What Postgres aggregates for the model (history-aggregates.ts): no closed deal one by one. */
export interface HistoryAggregates {
  /** Closed deals by the highest open stage rank they reached (0 without recorded stages). */
  readonly reached: readonly { readonly reached: number; readonly won: boolean; readonly count: number }[];
  /** Days from entering stage `rank` (or a later one) to the win, grouped by value. */
  readonly daysToWin: readonly { readonly rank: number; readonly days: number; readonly count: number }[];
  /** 90th percentile of days spent in each stage, absent when never observed. */
  readonly ageingDays: ReadonlyMap<number, number | null>;
  readonly medianCycleDays: number | null;
}

/** The same model `trainHistoryModel` learns, from aggregates (test/metrics shows they agree). */
export function modelFromAggregates(
  stages: readonly StageInfo[],
  aggregates: HistoryAggregates,
): HistoryModel {
  const openRanks = stages.filter((s) => !s.isClosed).map((s) => s.rank);
  const stageCount = openRanks.length === 0 ? 0 : Math.max(...openRanks) + 1;
  const crmByRank = new Map(stages.filter((s) => !s.isClosed).map((s) => [s.rank, s.crmProbability]));
  const closed = new Array<number>(stageCount).fill(0);
  const won = new Array<number>(stageCount).fill(0);
  let total = 0;
  let wonTotal = 0;
  for (const row of aggregates.reached) {
    total += row.count;
    if (row.won) wonTotal += row.count;
    for (let k = 0; k <= row.reached && k < stageCount; k++) {
      closed[k] = (closed[k] as number) + row.count;
      if (row.won) won[k] = (won[k] as number) + row.count;
    }
  }
  const timeCounts = new Array<number>(stageCount).fill(0);
  for (const row of aggregates.daysToWin) {
    if (row.rank < stageCount) timeCounts[row.rank] = (timeCounts[row.rank] as number) + row.count;
  }
  const toWin = timeCounts.map((n) => new Float64Array(n));
  const filled = new Array<number>(stageCount).fill(0);
  // Rows arrive sorted by (rank, days): each stage's array is filled in order, already sorted.
  for (const row of aggregates.daysToWin) {
    const times = toWin[row.rank];
    if (!times) continue;
    const at = filled[row.rank] as number;
    times.fill(row.days, at, at + row.count);
    filled[row.rank] = at + row.count;
  }
  const overallWinRate = total ? wonTotal / total : 0;
  const stageModels: StageModel[] = [];
  for (let k = 0; k < stageCount; k++) {
    const prior = crmByRank.get(k) ?? overallWinRate;
    const n = closed[k] as number;
    const w = won[k] as number;
    stageModels.push({
      rank: k,
      closed: n,
      won: w,
      winRate: (w + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT),
      daysToWin: (toWin[k] as Float64Array).sort(),
      ageingDays: aggregates.ageingDays.get(k) ?? null,
    });
  }
  return {
    trainedOn: total,
    overallWinRate,
    stages: stageModels,
    medianCycleDays: aggregates.medianCycleDays,
  };
}

/** Win probability of an open deal in stage `rank`, `ageDays` after it entered the stage. */
export function winProbability(model: HistoryModel, rank: number, ageDays: number): number {
  const stage = model.stages[rank];
  if (!stage) return model.overallWinRate;
  const limit = stage.ageingDays;
  if (limit === null || ageDays <= limit || limit <= 0) return stage.winRate;
  return stage.winRate * (limit / ageDays);
}

/**
 * Chance that a deal which will be won closes within [fromDays, toDays] after entering its
 * stage, given it is still open `ageDays` after entering. Null when the stage has no won
 * deals to learn from (callers then use the CRM close date).
 */
export function closeWithin(
  model: HistoryModel,
  rank: number,
  ageDays: number,
  fromDays: number,
  toDays: number,
): number | null {
  const times = model.stages[rank]?.daysToWin;
  if (!times || times.length === 0) return null;
  const lo = Math.max(ageDays, fromDays);
  if (toDays < lo) return 0;
  const beyondAge = times.length - countAtMost(times, ageDays);
  if (beyondAge > 0) {
    return (countAtMost(times, toDays) - countAtMost(times, lo)) / beyondAge;
  }
  // Older than every won deal: spread the close uniformly over the next median time to win.
  const span = Math.max(1, quantileOf(times, 0.5) ?? 1);
  const overlap = Math.min(toDays, ageDays + span) - lo;
  return Math.max(0, Math.min(1, overlap / span));
}

/** The category our model would give a deal (pushed as `salesops_forecast_category`). */
export function modelCategory(probability: number): 'commit' | 'best_case' | 'pipeline' {
  if (probability >= 0.7) return 'commit';
  if (probability >= 0.4) return 'best_case';
  return 'pipeline';
}
