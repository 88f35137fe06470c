import { sql } from 'kysely';
import { connectionHolidays } from '../calendar/connection-holidays.js';
import { localDate, type Period } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { openPipelineSql, wonCreditsSql } from '../warehouse/deal-credits.js';
import { effectiveQuotasSql } from '../warehouse/quotas.js';
import { periodCutoff } from './attainment.js';
import {
  type DealState,
  dealOwnersInOrder,
  forEachOpenDealChunk,
  loadDealStates,
  loadStages,
} from './forecast-data.js';
import { loadHistoryModel } from './history-aggregates.js';
import type { Distribution } from './monte-carlo.js';
import { runMonteCarlo } from './monte-carlo-pool.js';
import { emptyFigures, evaluateDeals, type Figures, OpenDeals, simulationArrays } from './open-deals.js';
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
/** Open deals read per page: what Node holds of the deals table at a time. */
const OPEN_DEAL_CHUNK = 20_000;

export type { Figures } from './open-deals.js';

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
  /** Per open deal (deal id order): model win probability (0..1), for push-back. */
  readonly deals: { readonly ids: readonly string[]; readonly winProbability: Float64Array };
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

/** A stable seed per connection, period and day: the same question gets the same numbers. */
export function forecastSeed(connectionId: number, periodKey: string, asOfDate: string): number {
  let h = 2166136261 ^ connectionId;
  for (const ch of `${periodKey}|${asOfDate}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h | 0;
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
  const [model, emails, credited, owners] = await Promise.all([
    loadHistoryModel(db, connection.id, stages, asOf),
    ownerEmails(db, connection.id),
    creditedFigures(db, connection.id, period, bounds.cutoff, replay),
    replay ? [] : dealOwnersInOrder(db, connection.id),
  ]);
  const { quotas } = credited;
  // Every owner with a live deal has figures (and a simulation group), in the order the deals
  // name them, though only open deals are read: the groups and the team's sums stay as they were.
  const figures = new Map<string, Figures>(owners.map((o) => [o, emptyFigures()]));
  const open = new OpenDeals();
  const evaluate = (deals: readonly DealState[]) =>
    evaluateDeals(deals, stages, model, period, asOf, connection.timeZone, { figures, open });
  if (replay) {
    // A deal won after as-of but dated on or before it is closed so far (as report attainment
    // counts it), so its replayed open state must not be weighted as well.
    const deals = await loadDealStates(db, connection.id, asOf, true);
    evaluate(deals.filter((d) => !credited.closedDealIds.has(d.dealId)));
  } else {
    await forEachOpenDealChunk(db, connection.id, asOf, OPEN_DEAL_CHUNK, evaluate);
  }
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
  const inPlay = new Set<string>();
  for (let i = 0; i < open.length; i++) {
    if ((open.model[i] as number) > 0 || (open.crm[i] as number) > 0) {
      inPlay.add(open.ownerKeys[open.owner[i] as number] as string);
    }
  }
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
    deals: { ids: open.ids, winProbability: open.win.subarray(0, open.length) },
  };
}
