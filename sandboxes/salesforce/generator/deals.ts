import { createRandom, hashSeed } from '../../seeded-random.js';
import { recordId, recordNumber } from '../ids.js';
import type { Row, RowSource } from '../table.js';
import {
  activeAt,
  clamp,
  DAY_MS,
  LOST,
  OPEN_PATH,
  type OrgModel,
  POD,
  type Rep,
  STAGES,
  type StageDef,
  WON,
} from './org-model.js';

/**
 * One opportunity's whole life, derived from (seed, index) alone: who owned it when, which
 * stages it passed and when, and how it ended. The Opportunity row and its history rows are
 * views of this life, so they always agree with each other.
 */
export interface OpportunityLife {
  readonly index: number;
  readonly id: string;
  readonly row: Row;
  readonly stages: readonly { readonly stage: StageDef; readonly at: number; readonly by: string }[];
  readonly ownerChanges: readonly {
    readonly at: number;
    readonly from: Rep;
    readonly to: Rep;
    readonly by: string;
  }[];
  readonly createdAt: number;
  readonly createdBy: string;
}

/** Chance that an opportunity is moved to another rep once during its life. */
export const OWNER_MOVE_CHANCE = 0.09;

/** History rows per opportunity are addressed as index × SLOTS + k. */
export const SLOTS = 16;

const PRODUCTS = [
  'Platform',
  'Analytics Add-on',
  'Enterprise Licence',
  'Support Renewal',
  'Onboarding',
  'Expansion',
];
const ACCOUNTS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Wonka',
  'Hooli',
  'Vandelay',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Aperture',
  'Gringotts',
  'Oscorp',
  'Monarch',
  'Pied Piper',
  'Dunder Mifflin',
];
const SOURCES = ['Web', 'Partner Referral', 'Trade Show', 'Outbound', 'Advertisement', 'Employee Referral'];

const second = (ms: number) => Math.floor(ms / 1000) * 1000;

export function opportunityLife(model: OrgModel, index: number): OpportunityLife {
  const rnd = createRandom(hashSeed(model.seed, `opp:${index}`));
  const span = model.now - model.yearStart;
  const createdAt = second(model.yearStart + rnd.next() * (span - 3_600_000));
  const candidates = activeAt(model.aes, createdAt);
  const owner = candidates.length > 0 ? rnd.pick(candidates) : model.aes[0]!;
  // Sales cycles of 1–140 days, most around six weeks.
  const cycleDays = clamp(Math.round(rnd.logNormal(38, 0.65)), 1, 140);
  const plannedClose = createdAt + cycleDays * DAY_MS + rnd.int(0, 8 * 3_600_000);
  const won = rnd.chance(owner.winRate);
  // Lost deals die somewhere along the path; won deals sometimes skip a middle stage.
  const path: StageDef[] = [];
  const lastOpen = won ? OPEN_PATH.length - 1 : rnd.int(0, OPEN_PATH.length - 1);
  for (let s = 0; s <= lastOpen; s++) {
    if (s > 0 && s < lastOpen && rnd.chance(0.15)) continue;
    path.push(OPEN_PATH[s]!);
  }
  path.push(won ? WON : LOST);
  const fractions = path.map((_, k) => (k === 0 ? 0 : rnd.next())).sort((a, b) => a - b);
  fractions[fractions.length - 1] = 1;
  const cycleMs = plannedClose - createdAt;
  const stages: { stage: StageDef; at: number; by: string }[] = [];
  for (let k = 0; k < path.length; k++) {
    const at = second(createdAt + fractions[k]! * cycleMs);
    if (at > model.now) break;
    stages.push({ stage: path[k]!, at, by: owner.id });
  }

  // Reassignments: a rep who leaves hands open deals to a teammate; a few deals move anyway.
  const ownerChanges: { at: number; from: Rep; to: Rep; by: string }[] = [];
  let current = owner;
  const endAt = Math.min(plannedClose, model.now);
  const moveTo = (at: number) => {
    const pool = activeAt(model.aes, at).filter((r) => r.id !== current.id);
    const team = pool.filter((r) => r.managerId === current.managerId);
    const to = (team.length > 0 ? team : pool).length > 0 ? rnd.pick(team.length > 0 ? team : pool) : null;
    if (!to) return;
    ownerChanges.push({
      at: second(at),
      from: current,
      to,
      by: current.managerId ?? model.integrationUserId,
    });
    current = to;
  };
  // About a tenth of opportunities change owner: 9% are moved (territory changes, a rep who is
  // overloaded, a deal escalated); the open deals of reps who leave add 1–3% depending on the seed.
  if (rnd.chance(OWNER_MOVE_CHANCE)) moveTo(createdAt + rnd.next() * (endAt - createdAt));
  if (current.activeTo !== null && current.activeTo < endAt) moveTo(current.activeTo);

  const last = stages[stages.length - 1]!;
  const isClosed = last.stage.isClosed;
  const closeDate = isClosed ? model.localDate(last.at) : model.localDate(plannedClose);
  const amountRaw = rnd.logNormal(15_000, 0.9);
  const amount = rnd.chance(0.01) ? null : clamp(Math.round(amountRaw / 100) * 100, 500, 1_500_000);
  const deleted = rnd.chance(0.006);
  const lastEvent = Math.max(last.at, ownerChanges[ownerChanges.length - 1]?.at ?? 0);
  const modstamp = deleted
    ? second(lastEvent + rnd.next() * (model.now - lastEvent))
    : second(Math.min(model.now, lastEvent + rnd.int(0, 600) * 1000));
  const currency = model.multiCurrency ? pickCurrency(rnd.next()) : null;
  const renewal = rnd.chance(0.25);
  const id = recordId('006', POD, index + 1);
  const row: Record<string, string | number | boolean | null> = {
    Id: id,
    IsDeleted: deleted,
    Name: `${rnd.pick(ACCOUNTS)} ${index + 1} — ${rnd.pick(PRODUCTS)}`,
    StageName: last.stage.label,
    Amount: amount,
    Probability: last.stage.probability,
    ExpectedRevenue: amount === null ? null : (amount * last.stage.probability) / 100,
    CloseDate: closeDate,
    Type: renewal ? 'Existing Business' : 'New Business',
    LeadSource: rnd.pick(SOURCES),
    IsClosed: isClosed,
    IsWon: last.stage.isWon,
    ForecastCategory: last.stage.forecastCategory,
    ForecastCategoryName: last.stage.forecastCategoryName,
    OwnerId: current.id,
    RecordTypeId: renewal ? model.recordTypeIds.renewal : model.recordTypeIds.newBusiness,
    LastStageChangeDate: stages.length > 1 ? last.at : null,
    CreatedDate: createdAt,
    CreatedById: owner.id,
    LastModifiedDate: modstamp,
    LastModifiedById: current.id,
    SystemModstamp: modstamp,
  };
  if (currency) row['CurrencyIsoCode'] = currency;
  return { index, id, row, stages, ownerChanges, createdAt, createdBy: owner.id };
}

function pickCurrency(u: number): string {
  return u < 0.75 ? 'USD' : u < 0.88 ? 'EUR' : u < 0.96 ? 'GBP' : 'CAD';
}

export function opportunitySource(model: OrgModel, count: number): RowSource {
  return {
    handles: () => range(count),
    row: (h) => (h >= 0 && h < count ? opportunityLife(model, h).row : undefined),
    handleOf: (id) => {
      const n = recordNumber(id, '006', POD);
      return n !== undefined && n >= 1 && n <= count ? n - 1 : undefined;
    },
  };
}

/** OpportunityHistory: one row per stage the deal entered, carrying its values at the time. */
export function opportunityHistorySource(model: OrgModel, count: number): RowSource {
  const rowOf = (life: OpportunityLife, k: number): Row | undefined => {
    const s = life.stages[k];
    if (!s) return undefined;
    const amount = life.row['Amount'] as number | null;
    const row: Record<string, string | number | boolean | null> = {
      Id: recordId('008', POD, life.index * SLOTS + k + 1),
      IsDeleted: life.row['IsDeleted'] as boolean,
      OpportunityId: life.id,
      StageName: s.stage.label,
      Amount: amount,
      ExpectedRevenue: amount === null ? null : (amount * s.stage.probability) / 100,
      CloseDate: life.row['CloseDate'] as string,
      Probability: s.stage.probability,
      ForecastCategory: s.stage.forecastCategory,
      CreatedDate: s.at,
      CreatedById: s.by,
      LastModifiedDate: s.at,
      LastModifiedById: s.by,
      SystemModstamp: s.at,
    };
    if (model.multiCurrency) row['CurrencyIsoCode'] = life.row['CurrencyIsoCode'] as string;
    return row;
  };
  return childSource(model, count, '008', 'OpportunityId', (life) => life.stages.length, rowOf);
}

/**
 * OpportunityFieldHistory for owner changes. Salesforce writes TWO rows per owner change: one
 * with DataType 'EntityId' holding the user ids and one with DataType 'Text' holding the names.
 * A 'created' row opens each record's history.
 */
export function opportunityFieldHistorySource(model: OrgModel, count: number): RowSource {
  const rowOf = (life: OpportunityLife, k: number): Row | undefined => {
    const base = { IsDeleted: life.row['IsDeleted'] as boolean, OpportunityId: life.id };
    const id = recordId('017', POD, life.index * SLOTS + k + 1);
    if (k === 0) {
      return {
        Id: id,
        ...base,
        Field: 'created',
        DataType: 'Text',
        OldValue: null,
        NewValue: null,
        ...stamp(life.createdAt, life.createdBy),
      };
    }
    const change = life.ownerChanges[Math.floor((k - 1) / 2)];
    if (!change) return undefined;
    const ids = (k - 1) % 2 === 0;
    return {
      Id: id,
      ...base,
      Field: 'Owner',
      DataType: ids ? 'EntityId' : 'Text',
      OldValue: ids ? change.from.id : change.from.name,
      NewValue: ids ? change.to.id : change.to.name,
      ...stamp(change.at, change.by),
    };
  };
  return childSource(model, count, '017', 'OpportunityId', (life) => 1 + 2 * life.ownerChanges.length, rowOf);
}

export function stamp(at: number, by: string): Row {
  return { CreatedDate: at, CreatedById: by, LastModifiedDate: at, LastModifiedById: by, SystemModstamp: at };
}

function childSource(
  model: OrgModel,
  count: number,
  prefix: string,
  parentField: string,
  rowsOf: (life: OpportunityLife) => number,
  rowOf: (life: OpportunityLife, k: number) => Row | undefined,
): RowSource {
  return {
    *handles() {
      for (let i = 0; i < count; i++) {
        const n = rowsOf(opportunityLife(model, i));
        for (let k = 0; k < n; k++) yield i * SLOTS + k;
      }
    },
    row: (h) => {
      const i = Math.floor(h / SLOTS);
      return i < count ? rowOf(opportunityLife(model, i), h % SLOTS) : undefined;
    },
    handleOf: (id) => {
      const n = recordNumber(id, prefix, POD);
      return n === undefined || n < 1 ? undefined : n - 1;
    },
    lookup: (field, value) => {
      if (field !== parentField) return undefined;
      const n = recordNumber(value, '006', POD);
      if (n === undefined || n < 1 || n > count) return [];
      const rows = rowsOf(opportunityLife(model, n - 1));
      return Array.from({ length: rows }, (_, k) => (n - 1) * SLOTS + k);
    },
  };
}

export function* range(count: number): Iterable<number> {
  for (let i = 0; i < count; i++) yield i;
}

export { STAGES };
