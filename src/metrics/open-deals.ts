import { DateTime } from 'luxon';
import { addDays, localDate, type Period } from '../calendar/periods.js';
import type { DealState, ForecastStage } from './forecast-data.js';
import { closeWithin, DAY_MS, type HistoryModel, winProbability } from './history-model.js';

/**
 * The open deals of a forecast, evaluated at the as-of instant: per owner the figures the
 * methods sum, and per deal the compact arrays the Monte Carlo and the push-back values need
 * (typed arrays and one id string per open deal; no object per deal outlives its chunk).
 */

export interface Figures {
  closedWon: number;
  /** Σ amount × CRM stage probability over open deals closing in the period. */
  weightedPipeline: number;
  /** Open amounts by forecast category (commit, best case, pipeline), closing in the period. */
  openCommit: number;
  openBestCase: number;
  openPipeline: number;
  /** Expected open amount in the period under the history model. */
  modelPipeline: number;
  quota: number | null;
}

export function emptyFigures(): Figures {
  return {
    closedWon: 0,
    weightedPipeline: 0,
    openCommit: 0,
    openBestCase: 0,
    openPipeline: 0,
    modelPipeline: 0,
    quota: null,
  };
}

/** Growable columns, one row per evaluated open deal, in evaluation (deal id) order. */
export class OpenDeals {
  readonly ids: string[] = [];
  /** Index into `ownerKeys` ('' = unowned). */
  owner = new Int32Array(1024);
  amount = new Float64Array(1024);
  /** CRM probability when the CRM close date is in the period, else 0. */
  crm = new Float64Array(1024);
  /** Model chance of a win inside the period. */
  model = new Float64Array(1024);
  /** Model win probability (whenever it closes), pushed per deal. */
  win = new Float64Array(1024);
  readonly ownerKeys: string[] = [];
  readonly #ownerIndex = new Map<string, number>();

  get length(): number {
    return this.ids.length;
  }

  push(id: string, ownerKey: string, amount: number, crm: number, model: number, win: number): void {
    const i = this.ids.length;
    if (i === this.amount.length) this.#grow();
    let o = this.#ownerIndex.get(ownerKey);
    if (o === undefined) {
      o = this.ownerKeys.length;
      this.ownerKeys.push(ownerKey);
      this.#ownerIndex.set(ownerKey, o);
    }
    this.ids.push(id);
    this.owner[i] = o;
    this.amount[i] = amount;
    this.crm[i] = crm;
    this.model[i] = model;
    this.win[i] = win;
  }

  #grow(): void {
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const next = make(a.length * 2);
      next.set(a);
      return next;
    };
    this.owner = grow(this.owner, (n) => new Int32Array(n));
    this.amount = grow(this.amount, (n) => new Float64Array(n));
    this.crm = grow(this.crm, (n) => new Float64Array(n));
    this.model = grow(this.model, (n) => new Float64Array(n));
    this.win = grow(this.win, (n) => new Float64Array(n));
  }
}

function dayStartMs(date: string, timeZone: string): number {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toMillis();
}

/**
 * Evaluates deals at the as-of day into `figures` (per owner key) and `open`: CRM weighting and
 * categories for open deals due in the period, and the model's chance of a win inside it. Called
 * once per chunk of deals, in deal id order, so sums add up in the same order whatever the chunk.
 */
export function evaluateDeals(
  deals: readonly DealState[],
  stages: readonly ForecastStage[],
  model: HistoryModel,
  period: Period,
  asOf: Date,
  timeZone: string,
  into: { readonly figures: Map<string, Figures>; readonly open: OpenDeals },
): void {
  const { figures, open } = into;
  const asOfDate = localDate(asOf, timeZone);
  const stageById = new Map(stages.map((s) => [s.id, s]));
  const periodOpen = asOfDate < period.end;
  const startMs = dayStartMs(period.start, timeZone);
  const endMs = dayStartMs(addDays(period.end, 1), timeZone) - 1;
  const medianCycle = model.medianCycleDays;

  for (const deal of deals) {
    const stage = stageById.get(deal.stageId);
    if (!stage) continue;
    const key = deal.ownerId ?? '';
    let f = figures.get(key);
    if (!f) {
      f = emptyFigures();
      figures.set(key, f);
    }
    // Closed-won comes from the attainment credits (creditedFigures), not from these states.
    if (stage.isClosed) continue;
    if (!periodOpen) continue;
    // A replayed deal whose close date is unknown at the time is expected one median cycle
    // after creation (learned only from deals won before then).
    const closeDate =
      deal.closeDate ??
      (deal.createdAt !== null && medianCycle !== null
        ? localDate(new Date(deal.createdAt + medianCycle * DAY_MS), timeZone)
        : null);
    const crmInPeriod = closeDate !== null && closeDate >= period.start && closeDate <= period.end;
    const crmProbability = stage.crmProbability ?? 0;
    if (crmInPeriod) {
      f.weightedPipeline += deal.amount * crmProbability;
      const category = deal.category || stage.category;
      if (category === 'commit') f.openCommit += deal.amount;
      else if (category === 'best_case') f.openBestCase += deal.amount;
      else if (category === 'pipeline') f.openPipeline += deal.amount;
    }
    let win = crmProbability;
    let modelProbability = crmInPeriod ? crmProbability : 0;
    if (model.trainedOn > 0) {
      const ageDays = Math.max(0, (asOf.getTime() - deal.enteredAt) / DAY_MS);
      win = winProbability(model, stage.rank, ageDays);
      const within = closeWithin(
        model,
        stage.rank,
        ageDays,
        (startMs - deal.enteredAt) / DAY_MS,
        (endMs - deal.enteredAt) / DAY_MS,
      );
      modelProbability = win * (within ?? (crmInPeriod ? 1 : 0));
    }
    f.modelPipeline += deal.amount * modelProbability;
    open.push(deal.dealId, key, deal.amount, crmInPeriod ? crmProbability : 0, modelProbability, win);
  }
}

/** The simulation's per-deal arrays, deals of one group (rep, in `keys` order) contiguous. */
export function simulationArrays(open: OpenDeals, keys: readonly string[], useCrm: boolean) {
  const index = new Map(keys.map((k, i) => [k, i]));
  const groupOf = Int32Array.from(open.ownerKeys, (k) => index.get(k) as number);
  const n = open.length;
  const counts = new Int32Array(keys.length + 1);
  for (let i = 0; i < n; i++) {
    const slot = (groupOf[open.owner[i] as number] as number) + 1;
    counts[slot] = (counts[slot] as number) + 1;
  }
  for (let g = 1; g <= keys.length; g++) counts[g] = (counts[g] as number) + (counts[g - 1] as number);
  const cursor = counts.slice(0, keys.length);
  const amounts = new Float64Array(n);
  const probabilities = new Float64Array(n);
  const source = useCrm ? open.crm : open.model;
  for (let i = 0; i < n; i++) {
    const g = groupOf[open.owner[i] as number] as number;
    const at = cursor[g] as number;
    cursor[g] = at + 1;
    amounts[at] = open.amount[i] as number;
    probabilities[at] = source[i] as number;
  }
  return { amounts, probabilities, groupOffsets: counts };
}
