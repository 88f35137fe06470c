import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { connectionHolidays } from '../calendar/connection-holidays.js';
import { addDays, localDate, type Period } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { effectiveQuotasSql } from '../warehouse/quotas.js';
import { periodCutoff } from './attainment.js';
import { openPipelineSql, wonCreditsSql } from './attainment-credits.js';
import {
  type DealState,
  type ForecastStage,
  loadClosedHistory,
  loadDealStates,
  loadStages,
} from './forecast-data.js';
import {
  closeWithin,
  DAY_MS,
  type HistoryModel,
  trainHistoryModel,
  winProbability,
} from './history-model.js';
import type { Distribution } from './monte-carlo.js';
import { runMonteCarlo } from './monte-carlo-pool.js';
import { type PeriodPace, periodPace, runRateProjection } from './run-rate.js';

/**
 * Forecast methods for one period (DESIGN §5). Every method forecasts the period's total
 * closed-won amount, closed so far included, so each can be scored against the actual.
 */
export const FORECAST_METHODS = [
  'crm_weighted',
  'commit',
  'best_case',
  'history',
  'monte_carlo',
  'run_rate',
] as const;
export type ForecastMethod = (typeof FORECAST_METHODS)[number];

export const DEFAULT_TRIALS = 10_000;

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

export interface SubjectForecast {
  /** Owner external id; null for the whole connection. */
  readonly ownerId: string | null;
  readonly ownerEmail: string | null;
  readonly closedWon: number;
  readonly weightedPipeline: number;
  readonly commit: number;
  readonly bestCase: number;
  readonly pipeline: number;
  readonly quota: number | null;
  readonly forecasts: Readonly<Record<ForecastMethod, number>>;
  /**
   * The Monte Carlo method's simulated distribution, whatever the headline method: its P50 is
   * the `monte_carlo` forecast and the chance of quota is the share of these same trials.
   */
  readonly distribution: Distribution;
}

export interface ForecastResult {
  readonly period: Period;
  readonly asOfDate: string;
  readonly currency: string | null;
  readonly method: ForecastMethod;
  readonly modelTrainedOn: number;
  readonly team: SubjectForecast;
  readonly reps: readonly SubjectForecast[];
  /** Per open deal: model win probability (0..1), for push-back. */
  readonly deals: readonly { readonly dealId: string; readonly winProbability: number }[];
}

export interface ForecastOptions {
  readonly period: Period;
  readonly asOf: Date;
  /** Rebuild the deal states at asOf from history (backtests, --as-of replays). */
  readonly replay?: boolean;
  readonly method?: ForecastMethod;
  readonly trials?: number;
  readonly seed?: number;
}

function dayStartMs(date: string, timeZone: string): number {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toMillis();
}

/** A stable seed per connection, period and day: the same question gets the same numbers. */
export function forecastSeed(connectionId: number, periodKey: string, asOfDate: string): number {
  let h = 2166136261 ^ connectionId;
  for (const ch of `${periodKey}|${asOfDate}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h | 0;
}

interface DealEvaluation {
  readonly dealId: string;
  readonly ownerKey: string;
  readonly amount: number;
  readonly crmProbability: number;
  readonly modelProbability: number;
  readonly winProbability: number;
}

function emptyFigures(): Figures {
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

/**
 * Evaluates each open deal at the as-of day: CRM weighting and categories for open deals due in
 * the period, and the model's chance of a win inside it.
 */
export function evaluateDeals(
  deals: readonly DealState[],
  stages: readonly ForecastStage[],
  model: HistoryModel,
  period: Period,
  asOf: Date,
  timeZone: string,
): { figures: Map<string, Figures>; open: DealEvaluation[] } {
  const asOfDate = localDate(asOf, timeZone);
  const stageById = new Map(stages.map((s) => [s.id, s]));
  const periodOpen = asOfDate < period.end;
  const startMs = dayStartMs(period.start, timeZone);
  const endMs = dayStartMs(addDays(period.end, 1), timeZone) - 1;
  const figures = new Map<string, Figures>();
  const open: DealEvaluation[] = [];
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
    open.push({
      dealId: deal.dealId,
      ownerKey: key,
      amount: deal.amount,
      crmProbability: crmInPeriod ? crmProbability : 0,
      modelProbability,
      winProbability: win,
    });
  }
  return { figures, open };
}

async function ownerEmails(db: Db, connectionId: number): Promise<Map<string, string | null>> {
  const rows = await db
    .selectFrom('owners')
    .select(['external_id', 'email'])
    .where('connection_id', '=', connectionId)
    .execute();
  return new Map(rows.map((r) => [r.external_id, r.email]));
}

/**
 * Quota, credited closed-won and (live) CRM-weighted pipeline per owner from the SQL that
 * `report attainment` uses, so the two documents cannot disagree: credit goes to the closing
 * owner or the revenue splits, and a won deal without an owner is credited to nobody.
 */
async function creditedFigures(
  db: Db,
  connectionId: number,
  period: Period,
  cutoff: string,
  replay: boolean,
): Promise<{
  quotas: Map<string, number>;
  closed: Map<string, number>;
  /** Live only; a replay weights the deals as they stood at as-of. */
  weighted: Map<string, number> | null;
  /** Replay only: deals counted as closed, which the replayed states may still show open. */
  closedDealIds: Set<string>;
}> {
  const [quotaRows, closedRows, weightedRows, closedIds] = await Promise.all([
    sql<{ owner_id: string | null; quota: string }>`
      ${effectiveQuotasSql(connectionId, period.start, period.end)}`.execute(db),
    sql<{ owner_id: string; total: string }>`
      select c.owner_id, sum(c.credit)::text as total
      from (${wonCreditsSql(connectionId, period.start, cutoff)}) c
      where c.owner_id is not null group by c.owner_id`.execute(db),
    replay
      ? null
      : sql<{ owner_id: string; total: string }>`
      select p.owner_id, sum(p.weighted)::text as total
      from (${openPipelineSql(connectionId, period.start, period.end)}) p
      where p.owner_id is not null group by p.owner_id`.execute(db),
    replay
      ? sql<{ deal_id: string }>`
      select distinct c.deal_id from (${wonCreditsSql(connectionId, period.start, cutoff)}) c`.execute(db)
      : null,
  ]);
  const quotas = new Map<string, number>();
  for (const row of quotaRows.rows) if (row.owner_id !== null) quotas.set(row.owner_id, Number(row.quota));
  const byOwner = (rows: { owner_id: string; total: string }[]) =>
    new Map(rows.map((r) => [r.owner_id, Number(r.total)]));
  return {
    quotas,
    closed: byOwner(closedRows.rows),
    weighted: weightedRows === null ? null : byOwner(weightedRows.rows),
    closedDealIds: new Set(closedIds?.rows.map((r) => r.deal_id) ?? []),
  };
}

/**
 * `run_rate` is the attainment run-rate projection; before the period's first working day has
 * elapsed there is no pace yet, and the forecast is what has closed.
 */
export function pointForecasts(
  f: Figures,
  monteCarloP50: number,
  pace: PeriodPace,
): Record<ForecastMethod, number> {
  return {
    crm_weighted: f.closedWon + f.weightedPipeline,
    commit: f.closedWon + f.openCommit,
    best_case: f.closedWon + f.openCommit + f.openBestCase,
    history: f.closedWon + f.modelPipeline,
    monte_carlo: monteCarloP50,
    run_rate: runRateProjection(f.closedWon, pace) ?? f.closedWon,
  };
}

function simulationArrays(open: readonly DealEvaluation[], keys: readonly string[], useCrm: boolean) {
  const index = new Map(keys.map((k, i) => [k, i]));
  const counts = new Int32Array(keys.length + 1);
  for (const deal of open) {
    const slot = (index.get(deal.ownerKey) as number) + 1;
    counts[slot] = (counts[slot] as number) + 1;
  }
  for (let g = 1; g <= keys.length; g++) counts[g] = (counts[g] as number) + (counts[g - 1] as number);
  const cursor = counts.slice(0, keys.length);
  const amounts = new Float64Array(open.length);
  const probabilities = new Float64Array(open.length);
  for (const deal of open) {
    const g = index.get(deal.ownerKey) as number;
    const at = cursor[g] as number;
    cursor[g] = at + 1;
    amounts[at] = deal.amount;
    probabilities[at] = useCrm ? deal.crmProbability : deal.modelProbability;
  }
  return { amounts, probabilities, groupOffsets: counts };
}

/** Every method's forecast for the connection and each rep, as of one instant. */
export async function computeForecast(
  db: Db,
  connection: Connection,
  options: ForecastOptions & { readonly method: ForecastMethod },
): Promise<ForecastResult> {
  const { period, asOf } = options;
  const replay = options.replay ?? false;
  const asOfDate = localDate(asOf, connection.timeZone);
  const stages = await loadStages(db, connection.id);
  const bounds = periodCutoff(period, asOf, connection.timeZone);
  // A replay weights the pipeline as it stood at as-of; live, the attainment SQL weights it.
  const [deals, history, emails, credited] = await Promise.all([
    loadDealStates(db, connection.id, asOf, replay),
    loadClosedHistory(db, connection.id, stages, asOf),
    ownerEmails(db, connection.id),
    creditedFigures(db, connection.id, period, bounds.cutoff, replay),
  ]);
  const { quotas } = credited;
  const model = trainHistoryModel(stages, history);
  // A deal won after as-of but dated on or before it is closed so far (as report attainment
  // counts it), so its replayed open state must not be weighted as well.
  const { figures, open } = evaluateDeals(
    replay ? deals.filter((d) => !credited.closedDealIds.has(d.dealId)) : deals,
    stages,
    model,
    period,
    asOf,
    connection.timeZone,
  );
  const figuresOf = (owner: string): Figures => {
    const f = figures.get(owner) ?? emptyFigures();
    figures.set(owner, f);
    return f;
  };
  for (const [owner, quota] of quotas) figuresOf(owner).quota = quota;
  for (const [owner, closedWon] of credited.closed) figuresOf(owner).closedWon = closedWon;
  if (credited.weighted !== null) {
    for (const f of figures.values()) f.weightedPipeline = 0;
    for (const [owner, weighted] of credited.weighted) figuresOf(owner).weightedPipeline = weighted;
  }
  // Reps: owners with a quota, a deal in play or a win in the period; unowned deals count for the team only.
  const keys = [...figures.keys()].sort();
  const groupClosed = Float64Array.from(keys, (k) => figures.get(k)?.closedWon ?? 0);
  const groupQuota = Float64Array.from(keys, (k) => figures.get(k)?.quota ?? Number.NaN);
  const teamQuotaSum = [...quotas.values()].reduce((a, b) => a + b, 0);
  const teamQuota = quotas.size > 0 && teamQuotaSum > 0 ? teamQuotaSum : null;
  const trials = options.trials ?? DEFAULT_TRIALS;
  const seed = options.seed ?? forecastSeed(connection.id, period.key, asOfDate);
  const simulate = (useCrm: boolean) =>
    runMonteCarlo(
      { ...simulationArrays(open, keys, useCrm), groupClosed, groupQuota, trials, seed },
      { teamQuota },
    );
  // One simulation for every document: the headline method does not change the distribution
  // (percentiles from CRM probabilities beside a model-based monte_carlo row contradicted it).
  const run = await simulate(model.trainedOn === 0);
  const pace = periodPace(period, bounds, connectionHolidays(connection));
  const subject = (ownerId: string | null, f: Figures, distribution: Distribution): SubjectForecast => ({
    ownerId,
    ownerEmail: ownerId === null ? null : (emails.get(ownerId) ?? null),
    closedWon: f.closedWon,
    weightedPipeline: f.weightedPipeline,
    commit: f.closedWon + f.openCommit,
    bestCase: f.closedWon + f.openCommit + f.openBestCase,
    pipeline: f.closedWon + f.openCommit + f.openBestCase + f.openPipeline,
    quota: f.quota,
    forecasts: pointForecasts(f, distribution.p50, pace),
    distribution,
  });
  const team = emptyFigures();
  for (const f of figures.values()) {
    team.closedWon += f.closedWon;
    team.weightedPipeline += f.weightedPipeline;
    team.openCommit += f.openCommit;
    team.openBestCase += f.openBestCase;
    team.openPipeline += f.openPipeline;
    team.modelPipeline += f.modelPipeline;
  }
  team.quota = teamQuota;
  const inPlay = new Set(
    open.filter((d) => d.modelProbability > 0 || d.crmProbability > 0).map((d) => d.ownerKey),
  );
  const reps = keys.flatMap((key, g) => {
    const f = figures.get(key) as Figures;
    const active = key !== '' && (f.quota !== null || f.closedWon > 0 || inPlay.has(key));
    return active ? [subject(key, f, run.groups[g] as Distribution)] : [];
  });
  return {
    period,
    asOfDate,
    currency: connection.currency,
    method: options.method,
    modelTrainedOn: model.trainedOn,
    team: subject(null, team, run.team),
    reps,
    deals: open.map((d) => ({ dealId: d.dealId, winProbability: d.winProbability })),
  };
}
