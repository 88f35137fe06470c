/**
 * The small, eagerly generated part of the company: account, teams, owners, users-object
 * records, pipelines and goals. Deals and contacts are generated lazily by index elsewhere.
 */
import { DateTime } from 'luxon';
import { createRandom, type SeededRandom } from '../seeded-random.js';

export const DAY_MS = 86_400_000;

export interface AccountDetails {
  readonly portalId: number;
  readonly accountType: 'STANDARD';
  readonly timeZone: string;
  readonly companyCurrency: string;
  readonly additionalCurrencies: readonly string[];
  readonly utcOffset: string;
  readonly utcOffsetMilliseconds: number;
  readonly uiDomain: string;
  readonly dataHostingLocation: string;
}

export type Segment = 'enterprise' | 'midmarket' | 'smb' | 'sdr' | 'management';

export interface Team {
  readonly id: string;
  readonly name: string;
  readonly segment: Segment;
}

export interface SandboxOwner {
  readonly id: string;
  readonly userId: number;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the owner was deactivated; null while active. */
  readonly archivedAt: number | null;
  readonly teams: readonly { readonly id: string; readonly name: string; readonly primary: boolean }[];
  readonly segment: Segment;
  /** Closed-deal win probability of this rep (the company averages ~0.6). */
  readonly skill: number;
  readonly ownsDeals: boolean;
  readonly receivesLeads: boolean;
}

export interface SandboxStage {
  readonly id: string;
  readonly label: string;
  readonly displayOrder: number;
  readonly probability: number;
  readonly isClosed: boolean;
}

export interface SandboxPipeline {
  readonly id: string;
  readonly label: string;
  readonly displayOrder: number;
  readonly createdAt: number;
  readonly stages: readonly SandboxStage[];
}

export const EXCHANGE_RATES: Readonly<Record<string, number>> = { USD: 1, EUR: 1.08, GBP: 1.27 };

const FIRST = [
  'Ava',
  'Liam',
  'Maya',
  'Noah',
  'Zoe',
  'Ethan',
  'Iris',
  'Lucas',
  'Nora',
  'Owen',
  'Ruby',
  'Theo',
];
const FIRST_2 = ['Sara', 'Jonas', 'Lena', 'Marco', 'Priya', 'Diego', 'Hana', 'Felix', 'Aisha', 'Tomas'];
const LAST = ['Garcia', 'Okafor', 'Lindqvist', 'Nakamura', 'Brennan', 'Moreau', 'Kowalski', 'Patel', 'Reyes'];
const LAST_2 = ['Schmidt', 'Haddad', 'Oliveira', 'Novak', 'Fischer', 'Duarte', 'Ibrahim', 'Larsen', 'Chen'];

/** Team sizes differ on purpose: comparisons and fairness must not assume equal teams. */
const TEAM_PLAN: readonly { name: string; segment: Segment; active: number; departed: number }[] = [
  { name: 'Enterprise', segment: 'enterprise', active: 3, departed: 0 },
  { name: 'Mid-Market', segment: 'midmarket', active: 6, departed: 1 },
  { name: 'SMB', segment: 'smb', active: 7, departed: 1 },
  { name: 'SDR', segment: 'sdr', active: 5, departed: 1 },
];

export function generateAccount(seed: number, now: Date): AccountDetails {
  const timeZone = 'America/New_York';
  const offsetMinutes = DateTime.fromJSDate(now, { zone: timeZone }).offset;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const utcOffset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return {
    portalId: 20_000_000 + (createRandom(seed).fork('portal').int(0, 9_999_999) | 0),
    accountType: 'STANDARD',
    timeZone,
    companyCurrency: 'USD',
    additionalCurrencies: ['EUR', 'GBP'],
    utcOffset,
    utcOffsetMilliseconds: offsetMinutes * 60_000,
    uiDomain: 'app.hubspot.com',
    dataHostingLocation: 'na1',
  };
}

export function generateTeams(seed: number): Team[] {
  const rng = createRandom(seed).fork('teams');
  return TEAM_PLAN.map((t) => ({
    id: String(rng.int(1_000_000, 9_999_999)),
    name: t.name,
    segment: t.segment,
  }));
}

export function generateOwners(seed: number, nowMs: number, teams: readonly Team[]): SandboxOwner[] {
  const rng = createRandom(seed).fork('owners');
  const yearAgo = nowMs - 365 * DAY_MS;
  const names = uniqueNames(rng);
  const owners: SandboxOwner[] = [];
  let nextOwnerId = 40_000_000 + rng.int(0, 9_000_000);
  let nextUserId = 4_000_000 + rng.int(0, 900_000);
  const add = (
    segment: Segment,
    team: Team | null,
    createdAt: number,
    archivedAt: number | null,
    extraTeam: Team | null,
  ): void => {
    const [firstName, lastName] = names.next().value as [string, string];
    nextOwnerId += rng.int(3, 900);
    nextUserId += rng.int(3, 900);
    const memberships = [];
    // Deactivated users lose their team memberships in HubSpot.
    if (team && archivedAt === null) memberships.push({ id: team.id, name: team.name, primary: true });
    if (extraTeam && archivedAt === null)
      memberships.push({ id: extraTeam.id, name: extraTeam.name, primary: false });
    owners.push({
      id: String(nextOwnerId),
      userId: nextUserId,
      email: `${firstName}.${lastName}@northwind-sandbox.example`.toLowerCase(),
      firstName,
      lastName,
      createdAt,
      updatedAt: archivedAt ?? Math.max(createdAt, nowMs - rng.int(1, 200) * DAY_MS),
      archivedAt,
      teams: memberships,
      segment,
      skill: Math.min(0.8, Math.max(0.4, rng.normal(0.6, 0.08))),
      ownsDeals: segment === 'enterprise' || segment === 'midmarket' || segment === 'smb',
      receivesLeads: segment === 'sdr' || segment === 'smb',
    });
  };
  add('management', null, yearAgo - 900 * DAY_MS, null, null);
  TEAM_PLAN.forEach((plan, t) => {
    const team = teams[t]!;
    for (let k = 0; k < plan.active; k++) {
      // The last rep of the larger teams joined during the year: history must respect hire dates.
      const hired = k === plan.active - 1 && plan.active >= 5;
      const createdAt = hired ? nowMs - rng.int(120, 200) * DAY_MS : yearAgo - rng.int(30, 900) * DAY_MS;
      // The Mid-Market lead also coaches the SDRs: one owner in two teams, one of them primary.
      const coach = plan.segment === 'midmarket' && k === 0 ? (teams[3] ?? null) : null;
      add(plan.segment, team, createdAt, null, coach);
    }
    for (let k = 0; k < plan.departed; k++) {
      add(plan.segment, team, yearAgo - rng.int(60, 600) * DAY_MS, nowMs - rng.int(40, 250) * DAY_MS, null);
    }
  });
  return owners;
}

function* uniqueNames(rng: SeededRandom): Generator<[string, string]> {
  const seen = new Set<string>();
  for (;;) {
    const first = rng.chance(0.5) ? rng.pick(FIRST) : rng.pick(FIRST_2);
    const last = rng.chance(0.5) ? rng.pick(LAST) : rng.pick(LAST_2);
    if (seen.has(first + last)) continue;
    seen.add(first + last);
    yield [first, last];
  }
}

export function generatePipelines(nowMs: number): SandboxPipeline[] {
  const created = nowMs - 1200 * DAY_MS;
  return [
    {
      id: 'default',
      label: 'Sales Pipeline',
      displayOrder: 0,
      createdAt: created,
      stages: [
        {
          id: 'appointmentscheduled',
          label: 'Appointment Scheduled',
          displayOrder: 0,
          probability: 0.2,
          isClosed: false,
        },
        {
          id: 'qualifiedtobuy',
          label: 'Qualified To Buy',
          displayOrder: 1,
          probability: 0.4,
          isClosed: false,
        },
        {
          id: 'presentationscheduled',
          label: 'Presentation Scheduled',
          displayOrder: 2,
          probability: 0.6,
          isClosed: false,
        },
        {
          id: 'decisionmakerboughtin',
          label: 'Decision Maker Bought-In',
          displayOrder: 3,
          probability: 0.8,
          isClosed: false,
        },
        { id: 'contractsent', label: 'Contract Sent', displayOrder: 4, probability: 0.9, isClosed: false },
        { id: 'closedwon', label: 'Closed Won', displayOrder: 5, probability: 1, isClosed: true },
        { id: 'closedlost', label: 'Closed Lost', displayOrder: 6, probability: 0, isClosed: true },
      ],
    },
    {
      id: '13402751',
      label: 'Renewals',
      displayOrder: 1,
      createdAt: created + 200 * DAY_MS,
      stages: [
        { id: '13402752', label: 'Renewal Upcoming', displayOrder: 0, probability: 0.5, isClosed: false },
        { id: '13402753', label: 'In Negotiation', displayOrder: 1, probability: 0.8, isClosed: false },
        { id: '13402754', label: 'Renewed', displayOrder: 2, probability: 1, isClosed: true },
        { id: '13402755', label: 'Churned', displayOrder: 3, probability: 0, isClosed: true },
      ],
    },
  ];
}

/** HubSpot writes stage probabilities as decimal strings ("0.2", "1.0"). */
export function probabilityString(p: number): string {
  return Number.isInteger(p) ? p.toFixed(1) : String(p);
}

export interface SandboxGoal {
  readonly ownerId: string;
  readonly userId: number;
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly target: number;
  readonly createdAt: number;
}

const MONTHLY_TARGET: Readonly<Record<Segment, number>> = {
  enterprise: 95_000,
  midmarket: 42_000,
  smb: 16_000,
  sdr: 0,
  management: 0,
};

/**
 * One goal per rep and period over the year of history up to the end of the current quarter:
 * monthly for Mid-Market and SMB, quarterly for Enterprise (their deals are lumpy).
 */
export function generateGoals(owners: readonly SandboxOwner[], now: Date, timeZone: string): SandboxGoal[] {
  const goals: SandboxGoal[] = [];
  const today = DateTime.fromJSDate(now, { zone: timeZone });
  const first = today.minus({ months: 12 }).startOf('month');
  const last = today.endOf('quarter');
  for (const owner of owners) {
    if (!owner.ownsDeals) continue;
    const quarterly = owner.segment === 'enterprise';
    let cursor = quarterly ? first.startOf('quarter') : first;
    while (cursor <= last) {
      const end = quarterly ? cursor.endOf('quarter') : cursor.endOf('month');
      const active =
        cursor.toMillis() < (owner.archivedAt ?? Number.POSITIVE_INFINITY) &&
        end.toMillis() > owner.createdAt;
      if (active) {
        const label = quarterly ? `${cursor.year}-Q${cursor.quarter}` : cursor.toFormat('yyyy-MM');
        goals.push({
          ownerId: owner.id,
          userId: owner.userId,
          name: `Revenue ${label} — ${owner.firstName} ${owner.lastName}`,
          start: cursor.toMillis(),
          end: end.toMillis(),
          target: MONTHLY_TARGET[owner.segment] * (quarterly ? 3 : 1),
          createdAt: Math.min(cursor.minus({ days: 10 }).toMillis(), now.getTime()),
        });
      }
      cursor = quarterly ? cursor.plus({ quarters: 1 }) : cursor.plus({ months: 1 });
    }
  }
  return goals;
}
