import { createRandom, hashSeed } from '../../seeded-random.js';
import { recordId, recordNumber } from '../ids.js';
import type { Row, RowSource } from '../table.js';
import { range, stamp } from './deals.js';
import { activeAt, DAY_MS, type OrgModel, POD, type Rep } from './org-model.js';

/**
 * Leads and their owner history, derived from (seed, index). Most leads are routed straight to
 * an SDR by an assignment rule; some wait in a queue first. With `unfair` on, one SDR receives
 * about 1.8× their fair share during a six-week stretch (the lead audit should flag them).
 */

export interface LeadOptions {
  readonly count: number;
  readonly opportunities: number;
  readonly unfair: boolean;
}

interface Owner {
  readonly id: string;
  readonly name: string;
}

interface LeadLife {
  readonly index: number;
  readonly id: string;
  readonly row: Row;
  readonly changes: readonly {
    readonly at: number;
    readonly from: Owner;
    readonly to: Owner;
    readonly by: string;
  }[];
  readonly createdAt: number;
}

export const LEAD_SLOTS = 8;
/** Ratio of the favoured SDR's leads to their fair share during the stretch. */
export const UNFAIR_FACTOR = 1.8;

const SOURCES = [
  'Web',
  'Web',
  'Web',
  'Partner Referral',
  'Trade Show',
  'Advertisement',
  'Outbound',
  'Employee Referral',
];
const INDUSTRIES = ['Technology', 'Manufacturing', 'Healthcare', 'Finance', 'Retail', 'Education'];
const FIRST = [
  'Alex',
  'Sam',
  'Jordan',
  'Taylor',
  'Casey',
  'Robin',
  'Morgan',
  'Jamie',
  'Riley',
  'Avery',
  'Quinn',
];
const LAST = ['Meyer', 'Lindqvist', 'Adeyemi', 'Chen', 'Park', 'Moreno', 'Novak', 'Hale', 'Ito', 'Duarte'];
const COMPANIES = [
  'Brightline',
  'Cobalt',
  'Driftwood',
  'Evergreen',
  'Foxglove',
  'Granite',
  'Helix',
  'Ironwood',
];

/** The unfair stretch: weeks 10–16 before now (inside the last two quarters the demo audits). */
export function unfairStretch(model: OrgModel): { start: number; end: number; favouredId: string } {
  return {
    start: model.now - 16 * 7 * DAY_MS,
    end: model.now - 10 * 7 * DAY_MS,
    favouredId: model.sdrs[0]!.id,
  };
}

export function leadLife(model: OrgModel, options: LeadOptions, index: number): LeadLife {
  const rnd = createRandom(hashSeed(model.seed, `lead:${index}`));
  const span = model.now - model.yearStart;
  let createdAt = model.yearStart + rnd.next() * (span - 600_000);
  // Fewer leads arrive at weekends.
  const weekday = new Date(createdAt).getUTCDay();
  if ((weekday === 0 || weekday === 6) && rnd.chance(0.7)) createdAt -= 2 * DAY_MS * rnd.next() + DAY_MS;
  createdAt = Math.floor(Math.max(model.yearStart, createdAt) / 1000) * 1000;

  const stretch = unfairStretch(model);
  const pickSdr = (at: number): Rep => {
    const pool = activeAt(model.sdrs, at);
    if (pool.length === 0) return model.sdrs[0]!;
    const n = pool.length;
    const favoured = options.unfair && at >= stretch.start && at < stretch.end;
    // Weight w gives the favoured rep w/(n-1+w) = 1.8/n of the leads, i.e. 1.8× a fair share.
    const w = favoured && n > UNFAIR_FACTOR ? (UNFAIR_FACTOR * (n - 1)) / (n - UNFAIR_FACTOR) : 1;
    const weights = pool.map((r) => (favoured && r.id === stretch.favouredId ? w : 1));
    let u = rnd.next() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < pool.length; i++) {
      u -= weights[i]!;
      if (u < 0) return pool[i]!;
    }
    return pool[pool.length - 1]!;
  };
  const queues: Owner[] = model.queueIds.map((id, i) => ({
    id,
    name: i === 0 ? 'Inbound Leads' : 'Partner Leads',
  }));
  const changes: { at: number; from: Owner; to: Owner; by: string }[] = [];
  let owner: Owner;
  if (rnd.chance(0.22)) {
    owner = rnd.pick(queues);
    const pickedAt = Math.floor((createdAt + rnd.int(1, 48) * 3_600_000) / 1000) * 1000;
    if (pickedAt < model.now) {
      const to = pickSdr(pickedAt);
      changes.push({ at: pickedAt, from: owner, to, by: to.id });
      owner = to;
    }
  } else {
    owner = pickSdr(createdAt);
  }
  const rep = model.sdrs.find((r) => r.id === owner.id);
  if (rep && rnd.chance(0.04)) {
    const at = Math.floor((createdAt + rnd.int(2, 20) * DAY_MS) / 1000) * 1000;
    const pool = activeAt(model.sdrs, at).filter((r) => r.id !== rep.id);
    if (at < model.now && pool.length > 0) {
      const to = rnd.pick(pool);
      changes.push({ at, from: owner, to, by: rep.managerId ?? model.integrationUserId });
      owner = to;
    }
  }

  const ratingU = rnd.next();
  const rating = ratingU < 0.2 ? 'Hot' : ratingU < 0.65 ? 'Warm' : 'Cold';
  const ageDays = (model.now - createdAt) / DAY_MS;
  const statusU = rnd.next();
  const converted = ageDays > 7 && statusU < (rating === 'Hot' ? 0.3 : rating === 'Warm' ? 0.14 : 0.05);
  const status = converted
    ? 'Closed - Converted'
    : ageDays > 30 && statusU < 0.45
      ? 'Closed - Not Converted'
      : statusU < 0.75
        ? 'Working - Contacted'
        : 'Open - Not Contacted';
  const convertedAt = converted ? Math.min(model.now, createdAt + rnd.int(2, 30) * DAY_MS) : null;
  const deleted = rnd.chance(0.005);
  const lastEvent = Math.max(createdAt, changes[changes.length - 1]?.at ?? 0, convertedAt ?? 0);
  const modstamp = Math.floor(Math.min(model.now, lastEvent + rnd.int(0, 3600) * 1000) / 1000) * 1000;
  const first = rnd.pick(FIRST);
  const last = rnd.pick(LAST);
  const company = `${rnd.pick(COMPANIES)} ${rnd.pick(INDUSTRIES)} ${index + 1}`;
  const id = recordId('00Q', POD, index + 1);
  const row: Record<string, string | number | boolean | null> = {
    Id: id,
    IsDeleted: deleted,
    FirstName: first,
    LastName: last,
    Name: `${first} ${last}`,
    Company: company,
    Email: `${first.toLowerCase()}.${last.toLowerCase()}${index + 1}@${company.split(' ')[0]!.toLowerCase()}.example`,
    Title: rnd.pick(['VP Operations', 'Head of Sales', 'CTO', 'Procurement Manager', 'Director of IT']),
    Industry: rnd.pick(INDUSTRIES),
    Status: status,
    Rating: rating,
    LeadSource: rnd.pick(SOURCES),
    IsConverted: converted,
    ConvertedDate: convertedAt === null ? null : model.localDate(convertedAt),
    ConvertedOpportunityId:
      converted && options.opportunities > 0 ? recordId('006', POD, rnd.int(1, options.opportunities)) : null,
    OwnerId: owner.id,
    ...stamp(createdAt, model.integrationUserId),
    LastModifiedDate: modstamp,
    SystemModstamp: modstamp,
  };
  if (model.multiCurrency) row['CurrencyIsoCode'] = 'USD';
  return { index, id, row, changes, createdAt };
}

export function leadSource(model: OrgModel, options: LeadOptions): RowSource {
  return {
    handles: () => range(options.count),
    row: (h) => (h >= 0 && h < options.count ? leadLife(model, options, h).row : undefined),
    handleOf: (id) => {
      const n = recordNumber(id, '00Q', POD);
      return n !== undefined && n >= 1 && n <= options.count ? n - 1 : undefined;
    },
  };
}

/** LeadHistory: 'created', then two rows (ids, then names) per owner change, as Salesforce writes them. */
export function leadHistorySource(model: OrgModel, options: LeadOptions): RowSource {
  const pod = '5h';
  const rows = (life: LeadLife) => 1 + 2 * life.changes.length;
  const rowOf = (life: LeadLife, k: number): Row | undefined => {
    const base = {
      Id: recordId('017', pod, life.index * LEAD_SLOTS + k + 1),
      IsDeleted: life.row['IsDeleted'] as boolean,
      LeadId: life.id,
    };
    if (k === 0) {
      return {
        ...base,
        Field: 'created',
        DataType: 'Text',
        OldValue: null,
        NewValue: null,
        ...stamp(life.createdAt, model.integrationUserId),
      };
    }
    const change = life.changes[Math.floor((k - 1) / 2)];
    if (!change) return undefined;
    const ids = (k - 1) % 2 === 0;
    return {
      ...base,
      Field: 'Owner',
      DataType: ids ? 'EntityId' : 'Text',
      OldValue: ids ? change.from.id : change.from.name,
      NewValue: ids ? change.to.id : change.to.name,
      ...stamp(change.at, change.by),
    };
  };
  const life = (i: number) => leadLife(model, options, i);
  return {
    *handles() {
      for (let i = 0; i < options.count; i++) {
        const n = rows(life(i));
        for (let k = 0; k < n; k++) yield i * LEAD_SLOTS + k;
      }
    },
    row: (h) => {
      const i = Math.floor(h / LEAD_SLOTS);
      return i < options.count ? rowOf(life(i), h % LEAD_SLOTS) : undefined;
    },
    handleOf: (id) => {
      const n = recordNumber(id, '017', pod);
      return n === undefined || n < 1 ? undefined : n - 1;
    },
    lookup: (field, value) => {
      if (field !== 'LeadId') return undefined;
      const n = recordNumber(value, '00Q', POD);
      if (n === undefined || n < 1 || n > options.count) return [];
      return Array.from({ length: rows(life(n - 1)) }, (_, k) => (n - 1) * LEAD_SLOTS + k);
    },
  };
}
