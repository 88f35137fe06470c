/**
 * Deals generated lazily from (seed, index): nothing is held per deal, so a million-deal portal
 * costs no more memory than a small one. Ids grow with the index and with the create date, as
 * HubSpot's do.
 */
import { createRandom, hashSeed } from '../seeded-random.js';
import {
  DAY_MS,
  EXCHANGE_RATES,
  probabilityString,
  type SandboxOwner,
  type SandboxPipeline,
  type SandboxStage,
  type Segment,
} from './generate-portal.js';
import { type HistoryEntry, iso, type SandboxRecord } from './sandbox-record.js';

export const DEAL_ID_BASE = 9_500_000_001;

const PROFILE: Readonly<Record<Segment, { amount: number; sigma: number; cycle: number; round: number }>> = {
  enterprise: { amount: 60_000, sigma: 0.7, cycle: 62, round: 500 },
  midmarket: { amount: 18_000, sigma: 0.8, cycle: 35, round: 100 },
  smb: { amount: 5_500, sigma: 0.9, cycle: 16, round: 50 },
  sdr: { amount: 5_000, sigma: 0.9, cycle: 16, round: 50 },
  management: { amount: 20_000, sigma: 0.8, cycle: 35, round: 100 },
};

const COMPANIES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Tyrell',
  'Soylent',
];
const SUFFIXES = ['Corp', 'GmbH', 'Ltd', 'Inc', 'Group', 'Labs', 'Systems'];

export interface DealGeneratorContext {
  readonly seed: number;
  readonly nowMs: number;
  readonly count: number;
  readonly owners: readonly SandboxOwner[];
  readonly pipelines: readonly SandboxPipeline[];
}

export function dealIdOf(index: number): string {
  return String(DEAL_ID_BASE + index);
}

export function dealIndexOf(id: string): number {
  if (!/^\d+$/.test(id)) return -1;
  return Number(id) - DEAL_ID_BASE;
}

/** About 1% of deals sit in the recycle bin, archived within the last 90 days. */
export function dealBaseArchived(seed: number, index: number): boolean {
  return hashSeed(seed, `archived-deal:${index}`) % 100 === 0;
}

export function generateDeal(ctx: DealGeneratorContext, index: number): SandboxRecord {
  const rng = createRandom(hashSeed(ctx.seed, `deal:${index}`));
  const span = 364 * DAY_MS;
  const start = ctx.nowMs - 365 * DAY_MS;
  const createdAt = Math.floor(start + ((index + rng.next()) / ctx.count) * span);
  const renewal = rng.chance(0.12);
  const pipeline = (renewal ? ctx.pipelines[1] : ctx.pipelines[0]) ?? ctx.pipelines[0]!;
  const owner = pickActive(shapeOf(ctx).dealOwners, createdAt, rng.next()) ?? ctx.owners[0]!;
  const profile = PROFILE[owner.segment];

  const cycleDays = Math.min(140, Math.max(1, Math.round(rng.logNormal(profile.cycle, 0.75))));
  const closeAt = createdAt + cycleDays * DAY_MS + rng.int(0, DAY_MS - 1);
  const closed = closeAt <= ctx.nowMs;
  const won = rng.chance(renewal ? 0.8 : owner.skill);
  const { open, wonStage, lostStage } = shapeOf(ctx).stages.get(pipeline)!;

  // Stage path: open stages reached so far, then the closing stage if the deal closed.
  let reached: number;
  if (closed) reached = won ? open.length : rng.int(1, open.length);
  else
    reached = Math.min(
      open.length,
      1 + Math.floor(((ctx.nowMs - createdAt) / (closeAt - createdAt)) * open.length),
    );
  const path: SandboxStage[] = open.slice(0, reached);
  if (closed) path.push(won ? wonStage : lostStage);
  const end = closed ? closeAt : ctx.nowMs;
  const stageHistory: HistoryEntry[] = path.map((stage, k) => ({
    value: stage.id,
    timestamp:
      k === 0
        ? createdAt
        : k === path.length - 1 && closed
          ? closeAt
          : stepTime(createdAt, end, k, path.length, rng.next()),
    sourceType: k === 0 ? 'CRM_UI' : 'CRM_UI',
    updatedByUserId: owner.userId,
  }));
  const stage = path[path.length - 1]!;
  // Drawn from a stream of their own, so every other value of a seed's deals stays as it was.
  const later = createRandom(hashSeed(ctx.seed, `deal-later:${index}`));
  // A rep moves a deal back a stage and forward again (the buyer stalls): the stage is
  // re-entered, which HubSpot's per-stage "date entered" cannot show on its own.
  const openReached = closed ? path.length - 1 : path.length;
  if (openReached >= 2 && later.chance(RE_ENTERED_SHARE))
    reEnter(stageHistory, openReached, later, end, owner.userId);

  const ownerHistory: HistoryEntry[] = [{ value: owner.id, timestamp: createdAt, sourceType: 'CRM_UI' }];
  let currentOwner = owner;
  // A departing rep's open deals move to a teammate on the day they leave; closed ones stay.
  if (owner.archivedAt !== null && owner.archivedAt < end) {
    const heir = pickHeir(ctx.owners, owner, owner.archivedAt, rng.next());
    if (heir) {
      ownerHistory.push({ value: heir.id, timestamp: owner.archivedAt, sourceType: 'CRM_UI' });
      currentOwner = heir;
    }
  } else if (rng.chance(0.08)) {
    const at = Math.floor(createdAt + (end - createdAt) * (0.2 + 0.6 * rng.next()));
    const heir = pickHeir(ctx.owners, owner, at, rng.next());
    if (heir) {
      ownerHistory.push({ value: heir.id, timestamp: at, sourceType: 'CRM_UI' });
      currentOwner = heir;
    }
  }

  // After a deal closed, its account is sometimes handed to another rep (account management):
  // the owner changes after the closing moment, so the closing owner is only in the history.
  if (closed && later.chance(HANDED_OVER_SHARE)) {
    const at = closeAt + later.int(1, 30) * DAY_MS;
    const heir = at <= ctx.nowMs ? pickHeir(ctx.owners, currentOwner, at, later.next()) : undefined;
    if (heir) {
      ownerHistory.push({ value: heir.id, timestamp: at, sourceType: 'CRM_UI' });
      currentOwner = heir;
    }
  }

  const currency = rng.chance(0.88) ? 'USD' : rng.chance(0.65) ? 'EUR' : 'GBP';
  const rawAmount = rng.logNormal(profile.amount * (renewal ? 0.8 : 1), profile.sigma);
  const amount = Math.max(profile.round, Math.round(rawAmount / profile.round) * profile.round);
  const rate = EXCHANGE_RATES[currency] ?? 1;
  const slipped = !closed && rng.chance(0.05);
  const closeDate = slipped ? ctx.nowMs - rng.int(1, 20) * DAY_MS : closeAt;

  let lastModified = Math.max(
    stageHistory[stageHistory.length - 1]!.timestamp,
    ownerHistory[ownerHistory.length - 1]!.timestamp,
  );
  // Reps touch deals (notes, next steps) after the last stage change, up to today.
  const touchLimit = Math.min(ctx.nowMs, closed ? closeAt + 14 * DAY_MS : ctx.nowMs);
  if (touchLimit > lastModified)
    lastModified = Math.floor(lastModified + (touchLimit - lastModified) * rng.next());

  let archivedAt: number | null = null;
  if (dealBaseArchived(ctx.seed, index)) {
    archivedAt = Math.max(lastModified + 1, ctx.nowMs - rng.int(1, 89) * DAY_MS);
    if (archivedAt > ctx.nowMs) archivedAt = ctx.nowMs;
  }

  const properties: Record<string, string | null> = {
    dealname: `${rng.pick(COMPANIES)} ${rng.pick(SUFFIXES)} — ${renewal ? 'Renewal' : 'New business'} #${index + 1}`,
    amount: String(amount),
    deal_currency_code: currency,
    amount_in_home_currency: currency === 'USD' ? String(amount) : (amount * rate).toFixed(2),
    closedate: iso(closeDate),
    createdate: iso(createdAt),
    dealstage: stage.id,
    pipeline: pipeline.id,
    hubspot_owner_id: currentOwner.id,
    // HubSpot sets it whenever the owner is set: the time of the latest assignment.
    hubspot_owner_assigneddate: iso(ownerHistory[ownerHistory.length - 1]!.timestamp),
    hs_lastmodifieddate: iso(lastModified),
    hs_object_id: dealIdOf(index),
    hs_forecast_category: forecastCategory(stage),
    hs_deal_stage_probability: probabilityString(stage.probability),
    hs_is_closed: String(stage.isClosed),
    hs_is_closed_won: String(stage.isClosed && stage.probability === 1),
    hs_merged_object_ids: null,
    days_to_close: closed ? String(cycleDays) : null,
  };
  return {
    id: dealIdOf(index),
    createdAt,
    updatedAt: lastModified,
    archivedAt,
    properties,
    history: { dealstage: stageHistory, hubspot_owner_id: ownerHistory },
  };
}

/** Share of deals with two or more open stages behind them that re-enter one. */
const RE_ENTERED_SHARE = 0.03;
/** Share of closed deals handed to another rep after they closed. */
const HANDED_OVER_SHARE = 0.03;

/** Back one stage after open entry k ≥ 1, forward again before the next entry (or `end`). */
function reEnter(
  history: HistoryEntry[],
  openReached: number,
  rng: ReturnType<typeof createRandom>,
  end: number,
  userId: number,
): void {
  const k = rng.int(1, openReached - 1);
  const from = history[k]!.timestamp;
  const to = history[k + 1]?.timestamp ?? end;
  if (to - from < 3) return;
  const back = Math.floor(from + (to - from) / 3);
  const forward = Math.floor(from + ((to - from) * 2) / 3);
  history.splice(
    k + 1,
    0,
    { value: history[k - 1]!.value, timestamp: back, sourceType: 'CRM_UI', updatedByUserId: userId },
    { value: history[k]!.value, timestamp: forward, sourceType: 'CRM_UI', updatedByUserId: userId },
  );
}

interface ContextShape {
  readonly dealOwners: readonly SandboxOwner[];
  readonly stages: ReadonlyMap<
    SandboxPipeline,
    {
      readonly open: readonly SandboxStage[];
      readonly wonStage: SandboxStage;
      readonly lostStage: SandboxStage;
    }
  >;
}

/** Derived once per portal: generating a deal must not allocate owner or stage lists. */
const shapes = new WeakMap<DealGeneratorContext, ContextShape>();

function shapeOf(ctx: DealGeneratorContext): ContextShape {
  let shape = shapes.get(ctx);
  if (!shape) {
    shape = {
      dealOwners: ctx.owners.filter((o) => o.ownsDeals),
      stages: new Map(
        ctx.pipelines.map((p) => [
          p,
          {
            open: p.stages.filter((s) => !s.isClosed),
            wonStage: p.stages.find((s) => s.isClosed && s.probability === 1)!,
            lostStage: p.stages.find((s) => s.isClosed && s.probability === 0)!,
          },
        ]),
      ),
    };
    shapes.set(ctx, shape);
  }
  return shape;
}

/** The k-th owner employed at `at`, for k drawn from u, without building the list. */
function pickActive(owners: readonly SandboxOwner[], at: number, u: number): SandboxOwner | undefined {
  let active = 0;
  for (const o of owners) if (activeAt(o, at)) active++;
  let k = Math.floor(u * active);
  for (const o of owners) {
    if (!activeAt(o, at)) continue;
    if (k-- === 0) return o;
  }
  return undefined;
}

function stepTime(from: number, to: number, k: number, n: number, jitter: number): number {
  const slot = (to - from) / n;
  return Math.floor(from + slot * (k + 0.2 + 0.6 * jitter));
}

export function activeAt(owner: SandboxOwner, at: number): boolean {
  return owner.createdAt <= at && (owner.archivedAt === null || owner.archivedAt > at);
}

function pickHeir(
  owners: readonly SandboxOwner[],
  from: SandboxOwner,
  at: number,
  u: number,
): SandboxOwner | undefined {
  const sameTeam = owners.filter(
    (o) => o !== from && o.ownsDeals && o.segment === from.segment && activeAt(o, at),
  );
  const pool =
    sameTeam.length > 0 ? sameTeam : owners.filter((o) => o !== from && o.ownsDeals && activeAt(o, at));
  return pool[Math.floor(u * pool.length)];
}

/** HubSpot's forecast categories, derived from the stage as HubSpot does by default. */
export function forecastCategory(stage: SandboxStage): string {
  if (stage.isClosed) return stage.probability === 1 ? 'CLOSED' : 'OMIT';
  if (stage.probability >= 0.8) return 'COMMIT';
  if (stage.probability >= 0.5) return 'BEST_CASE';
  return 'PIPELINE';
}
