import { DateTime } from 'luxon';
import { createRandom, type SeededRandom } from '../../seeded-random.js';
import { recordId } from '../ids.js';
import type { Row } from '../table.js';
import { FIRST_NAMES, LAST_NAMES } from './names.js';
import { STAGES } from './stages.js';

export { LOST, OPEN_PATH, STAGES, type StageDef, WON } from './stages.js';

/**
 * The small, eagerly built part of the generated org: the company, its roles, people, queues,
 * stages and currencies. Deals and leads are derived lazily from this model by index.
 */

export const DAY_MS = 86_400_000;
export const POD = '5g';

export interface Rep {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly managerId: string | null;
  /** Epoch ms the rep started receiving work; -Infinity for people there all year. */
  readonly activeFrom: number;
  /** Epoch ms the user was deactivated, or null while active. */
  readonly activeTo: number | null;
  /** Win probability among this rep's closed deals. */
  readonly winRate: number;
}

export interface Currency {
  readonly code: string;
  /** Units of this currency per one unit of the corporate currency (Salesforce's convention). */
  readonly rate: number;
}

export interface OrgModel {
  readonly seed: number;
  readonly now: number;
  readonly yearStart: number;
  readonly timeZone: string;
  readonly fiscalYearStartMonth: number;
  readonly orgId: string;
  readonly orgName: string;
  readonly domain: string;
  readonly integrationUserId: string;
  readonly aes: readonly Rep[];
  readonly sdrs: readonly Rep[];
  readonly queueIds: readonly string[];
  readonly recordTypeIds: { readonly newBusiness: string; readonly renewal: string };
  readonly currencies: readonly Currency[];
  readonly multiCurrency: boolean;
  readonly rows: {
    readonly organization: Row[];
    readonly roles: Row[];
    readonly users: Row[];
    readonly queues: Row[];
    readonly stages: Row[];
    readonly recordTypes: Row[];
    readonly currencyTypes: Row[];
  };
  /** `YYYY-MM-DD` of an instant in the org's time zone. */
  localDate(ms: number): string;
}

const COMPANIES = ['Northwind Robotics', 'Bluepeak Analytics', 'Harbor Freight Systems', 'Quillon Software'];
const ZONES = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London'];
const REGIONS = ['East', 'West', 'Central', 'EMEA', 'APAC'];

export function buildOrgModel(seed: number, now: number, multiCurrency: boolean): OrgModel {
  const rnd = createRandom(seed).fork('org');
  const yearStart = now - 365 * DAY_MS;
  const timeZone = rnd.pick(ZONES);
  const orgName = rnd.pick(COMPANIES);
  const domain = `${orgName.split(' ')[0]!.toLowerCase()}.example`;
  const orgId = recordId('00D', POD, 1);
  const created = toSecond(yearStart - 3 * 365 * DAY_MS);
  const audit = (at: number, by: string | null = null) => ({
    CreatedDate: at,
    CreatedById: by,
    LastModifiedDate: at,
    LastModifiedById: by,
    SystemModstamp: at,
  });

  const names = uniqueNames(rnd.fork('names'));
  const users: Row[] = [];
  const roles: Row[] = [];
  const roleId = (i: number) => recordId('00E', POD, i + 1);
  const addRole = (name: string, parent: string | null): string => {
    const id = roleId(roles.length);
    roles.push({
      Id: id,
      Name: name,
      DeveloperName: name.replace(/\W+/g, '_'),
      ParentRoleId: parent,
      RollupDescription: name,
      ...audit(created),
    });
    return id;
  };
  const userId = (i: number) => recordId('005', POD, i + 1);
  const addUser = (
    title: string,
    role: string | null,
    manager: string | null,
    from: number,
    to: number | null,
    first?: string,
    last?: string,
  ): Rep => {
    const id = userId(users.length);
    const [f, l] = first && last ? [first, last] : names();
    const email = `${f.toLowerCase()}.${l.toLowerCase()}@${domain}`;
    const start = Number.isFinite(from) ? from : created;
    users.push({
      Id: id,
      Username: email,
      FirstName: f,
      LastName: l,
      Name: `${f} ${l}`,
      Email: email,
      Title: title,
      Department: title === 'Integration' ? 'IT' : 'Sales',
      IsActive: to === null,
      UserType: 'Standard',
      UserRoleId: role,
      ManagerId: manager,
      TimeZoneSidKey: timeZone,
      LastLoginDate: to ?? now - rnd.int(1, 72) * 3_600_000,
      ...(multiCurrency ? { DefaultCurrencyIsoCode: 'USD' } : {}),
      ...audit(start),
      LastModifiedDate: to ?? start,
      SystemModstamp: to ?? start,
    });
    return { id, name: `${f} ${l}`, email, managerId: manager, activeFrom: from, activeTo: to, winRate: 0.6 };
  };

  const ceoRole = addRole('CEO', null);
  const vpRole = addRole('VP Sales', ceoRole);
  const integration = addUser('Integration', null, null, -Infinity, null, 'SalesOps', 'Integration');
  const ceo = addUser('CEO', ceoRole, null, -Infinity, null);
  const vp = addUser('VP Sales', vpRole, ceo.id, -Infinity, null);

  // Teams of different sizes; a rep or two leave and join during the year, as in any sales floor.
  const teamCount = rnd.int(3, 4);
  const aes: Rep[] = [];
  for (let t = 0; t < teamCount; t++) {
    const region = REGIONS[t]!;
    const mgrRole = addRole(`Sales Manager ${region}`, vpRole);
    const aeRole = addRole(`Account Executive ${region}`, mgrRole);
    const manager = addUser(`Sales Manager, ${region}`, mgrRole, vp.id, -Infinity, null);
    const size = [8, 5, 3, 6][t] ?? rnd.int(3, 9);
    for (let r = 0; r < size; r++) {
      const leaves = rnd.chance(0.1);
      const joins = !leaves && rnd.chance(0.1);
      const from = joins ? yearStart + rnd.int(60, 240) * DAY_MS : -Infinity;
      const to = leaves ? yearStart + rnd.int(120, 330) * DAY_MS : null;
      const rep = addUser('Account Executive', aeRole, manager.id, from, to);
      aes.push({ ...rep, winRate: clamp(rnd.normal(0.6, 0.07), 0.42, 0.78) });
    }
  }
  // One clear under-performer and one star, so rep comparison has outliers to find.
  if (aes.length >= 4) {
    aes[1] = { ...aes[1]!, winRate: 0.3 };
    aes[aes.length - 2] = { ...aes[aes.length - 2]!, winRate: 0.85 };
  }
  const sdrMgrRole = addRole('SDR Manager', vpRole);
  const sdrRole = addRole('Sales Development', sdrMgrRole);
  const sdrManager = addUser('SDR Manager', sdrMgrRole, vp.id, -Infinity, null);
  const sdrs: Rep[] = [];
  const sdrCount = rnd.int(5, 7);
  for (let s = 0; s < sdrCount; s++) {
    const to = s === sdrCount - 1 ? yearStart + rnd.int(150, 300) * DAY_MS : null;
    sdrs.push(addUser('Sales Development Rep', sdrRole, sdrManager.id, -Infinity, to));
  }

  const queues: Row[] = ['Inbound Leads', 'Partner Leads'].map((name, i) => ({
    Id: recordId('00G', POD, i + 1),
    Name: name,
    DeveloperName: name.replace(/\W+/g, '_'),
    Type: 'Queue',
    Email: null,
    ...audit(created),
  }));
  const stages: Row[] = STAGES.map((s, i) => ({
    Id: recordId('01J', POD, i + 1),
    MasterLabel: s.label,
    ApiName: s.label,
    IsActive: s.isActive,
    SortOrder: i + 1,
    IsClosed: s.isClosed,
    IsWon: s.isWon,
    ForecastCategory: s.forecastCategory,
    ForecastCategoryName: s.forecastCategoryName,
    DefaultProbability: s.probability,
    Description: null,
    ...audit(created),
  }));
  const recordTypes: Row[] = [
    ['New Business', 'New_Business'],
    ['Renewal', 'Renewal'],
  ].map(([name, dev], i) => ({
    Id: recordId('012', POD, i + 1),
    Name: name!,
    DeveloperName: dev!,
    SobjectType: 'Opportunity',
    IsActive: true,
    Description: null,
    BusinessProcessId: recordId('019', POD, 1),
    ...audit(created),
  }));
  const currencies: Currency[] = multiCurrency
    ? [
        { code: 'USD', rate: 1 },
        { code: 'EUR', rate: 0.92 },
        { code: 'GBP', rate: 0.79 },
        { code: 'CAD', rate: 1.36 },
      ]
    : [{ code: 'USD', rate: 1 }];
  const currencyTypes: Row[] = multiCurrency
    ? currencies.map((c, i) => ({
        Id: recordId('01L', POD, i + 1),
        IsoCode: c.code,
        ConversionRate: c.rate,
        DecimalPlaces: 2,
        IsActive: true,
        IsCorporate: c.code === 'USD',
        ...audit(created),
      }))
    : [];
  const organization: Row[] = [
    {
      Id: orgId,
      Name: orgName,
      TimeZoneSidKey: timeZone,
      // Many real orgs start their fiscal year in February; metrics must not assume January.
      FiscalYearStartMonth: 2,
      UsesStartDateAsFiscalYearName: false,
      DefaultLocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      DefaultCurrencyIsoCode: 'USD',
      OrganizationType: 'Enterprise Edition',
      IsSandbox: false,
      InstanceName: 'NA224',
      ...audit(created),
    },
  ];

  return {
    seed,
    now,
    yearStart,
    timeZone,
    fiscalYearStartMonth: 2,
    orgId,
    orgName,
    domain,
    integrationUserId: integration.id,
    aes,
    sdrs,
    queueIds: queues.map((q) => String(q['Id'])),
    recordTypeIds: { newBusiness: String(recordTypes[0]!['Id']), renewal: String(recordTypes[1]!['Id']) },
    currencies,
    multiCurrency,
    rows: { organization, roles, users, queues, stages, recordTypes, currencyTypes },
    localDate: localDateIn(timeZone),
  };
}

/**
 * Reps of a team who could receive work at instant `at`. Called for every generated row, so the
 * answer is cached per interval between consecutive start/leave dates (it is constant there).
 */
export function activeAt(reps: readonly Rep[], at: number): readonly Rep[] {
  let cache = activeCache.get(reps);
  if (!cache) {
    const bounds = [...new Set(reps.flatMap((r) => [r.activeFrom, r.activeTo ?? Infinity]))]
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    cache = { bounds, slots: new Map() };
    activeCache.set(reps, cache);
  }
  let lo = 0;
  let hi = cache.bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cache.bounds[mid]! <= at) lo = mid + 1;
    else hi = mid;
  }
  let slot = cache.slots.get(lo);
  if (!slot) {
    slot = reps.filter((r) => r.activeFrom <= at && (r.activeTo === null || at < r.activeTo));
    cache.slots.set(lo, slot);
  }
  return slot;
}

const activeCache = new WeakMap<readonly Rep[], { bounds: number[]; slots: Map<number, Rep[]> }>();

function uniqueNames(rnd: SeededRandom): () => [string, string] {
  const used = new Set<string>();
  return () => {
    for (;;) {
      const pair: [string, string] = [rnd.pick(FIRST_NAMES), rnd.pick(LAST_NAMES)];
      const key = pair.join(' ');
      if (!used.has(key)) {
        used.add(key);
        return pair;
      }
    }
  };
}

/**
 * Dates in the org's zone are computed for every generated row: resolve the zone offset once
 * per hour through luxon and cache it, instead of a full time-zone conversion per call.
 */
function localDateIn(zone: string): (ms: number) => string {
  const offsets = new Map<number, number>();
  return (ms) => {
    const hour = Math.floor(ms / 3_600_000);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      offset = DateTime.fromMillis(hour * 3_600_000, { zone }).offset * 60_000;
      offsets.set(hour, offset);
    }
    return new Date(ms + offset).toISOString().slice(0, 10);
  };
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function toSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
