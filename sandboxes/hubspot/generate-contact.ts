/**
 * Contacts (the leads the fairness audit looks at), generated lazily from (seed, index) like
 * deals. Leads are spread at random over the reps in the lead rotation who were employed that
 * day; with `unfairLeadStretch` one rep gets ~1.8x their fair share for seven weeks.
 */
import { createRandom, hashSeed } from '../seeded-random.js';
import { activeAt } from './generate-deal.js';
import { DAY_MS, type SandboxOwner } from './generate-portal.js';
import { type HistoryEntry, iso, type SandboxRecord } from './sandbox-record.js';

export const CONTACT_ID_BASE = 151;

const FIRST = [
  'Alex',
  'Sam',
  'Jordan',
  'Casey',
  'Riley',
  'Morgan',
  'Jamie',
  'Taylor',
  'Quinn',
  'Avery',
  'Rowan',
];
const LAST = [
  'Smith',
  'Jones',
  'Müller',
  'Rossi',
  'Dubois',
  'Silva',
  'Kim',
  'Singh',
  'Cohen',
  'Walsh',
  'Berg',
];
const DOMAINS = ['example.com', 'example.org', 'example.net'];
const SOURCES: readonly [string, number][] = [
  ['ORGANIC_SEARCH', 0.28],
  ['PAID_SEARCH', 0.17],
  ['DIRECT_TRAFFIC', 0.14],
  ['REFERRALS', 0.1],
  ['SOCIAL_MEDIA', 0.08],
  ['EMAIL_MARKETING', 0.09],
  ['PAID_SOCIAL', 0.06],
  ['OFFLINE', 0.05],
  ['OTHER_CAMPAIGNS', 0.03],
];
const STAGES = ['lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity'];

/** The share the favoured rep gets during the stretch, relative to a fair split. */
export const UNFAIR_FACTOR = 1.8;

export interface ContactGeneratorContext {
  readonly seed: number;
  readonly nowMs: number;
  readonly count: number;
  readonly owners: readonly SandboxOwner[];
  readonly unfair: { readonly ownerId: string; readonly from: number; readonly to: number } | null;
}

export function contactIdOf(index: number): string {
  return String(CONTACT_ID_BASE + index);
}

export function contactIndexOf(id: string): number {
  if (!/^\d+$/.test(id)) return -1;
  return Number(id) - CONTACT_ID_BASE;
}

/** Three contacts in four are given their owner when they are created (see generateContact). */
export function contactOwnedAtCreation(seed: number, index: number): boolean {
  return hashSeed(seed, `contact-owned-at-creation:${index}`) % 4 !== 0;
}

export function contactBaseArchived(seed: number, index: number): boolean {
  return hashSeed(seed, `archived-contact:${index}`) % 200 === 0;
}

/** The stretch: seven weeks ending nineteen weeks before "now", favouring the first SDR. */
export function unfairStretch(
  owners: readonly SandboxOwner[],
  nowMs: number,
): ContactGeneratorContext['unfair'] {
  const from = nowMs - 26 * 7 * DAY_MS;
  const to = from + 7 * 7 * DAY_MS;
  const favoured = owners.find(
    (o) => o.segment === 'sdr' && o.receivesLeads && activeAt(o, from) && activeAt(o, to),
  );
  return favoured ? { ownerId: favoured.id, from, to } : null;
}

export function generateContact(ctx: ContactGeneratorContext, index: number): SandboxRecord {
  const rng = createRandom(hashSeed(ctx.seed, `contact:${index}`));
  const start = ctx.nowMs - 365 * DAY_MS;
  const createdAt = Math.floor(start + ((index + rng.next()) / ctx.count) * 364 * DAY_MS);
  const rotation = ctx.owners.filter((o) => o.receivesLeads && activeAt(o, createdAt));
  const owner = rng.chance(0.02) ? null : pickOwner(rotation, ctx.unfair, createdAt, rng.next());
  // Most contacts get their owner as they are created (a form's or import's owner field, an
  // integration); the rest from a rotation workflow 30 s to 2 h later. The three-in-four share is
  // an assumption, not a measured figure. Decided by hash so the random stream stays as it was.
  const delay = rng.int(30_000, 2 * 3_600_000);
  const assignedAt = contactOwnedAtCreation(ctx.seed, index) ? createdAt : createdAt + delay;
  const history: Record<string, HistoryEntry[]> = {};
  let currentOwner = owner;
  let lastChange = owner ? assignedAt : createdAt;
  if (owner) {
    const ownerHistory: HistoryEntry[] = [
      { value: owner.id, timestamp: assignedAt, sourceType: 'AUTOMATION_PLATFORM' },
    ];
    const departed = owner.archivedAt !== null && owner.archivedAt < ctx.nowMs;
    if (departed || rng.chance(0.07)) {
      const at = departed ? owner.archivedAt! : Math.min(ctx.nowMs - 1, assignedAt + rng.int(1, 30) * DAY_MS);
      const others = ctx.owners.filter((o) => o !== owner && o.receivesLeads && activeAt(o, at));
      const next = others.length > 0 ? rng.pick(others) : null;
      if (next) {
        ownerHistory.push({ value: next.id, timestamp: at, sourceType: 'CRM_UI' });
        currentOwner = next;
        lastChange = at;
      }
    }
    history['hubspot_owner_id'] = ownerHistory;
  }
  const lastModified = Math.min(ctx.nowMs, lastChange + Math.floor(rng.next() * 20 * DAY_MS));
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const archivedAt = contactBaseArchived(ctx.seed, index) ? Math.min(ctx.nowMs, lastModified + DAY_MS) : null;
  const currentEntry = history['hubspot_owner_id']?.at(-1);
  const properties: Record<string, string | null> = {
    email: `${first}.${last}.${index + 1}@${rng.pick(DOMAINS)}`.toLowerCase(),
    firstname: first,
    lastname: last,
    createdate: iso(createdAt),
    lastmodifieddate: iso(lastModified),
    hs_object_id: contactIdOf(index),
    hubspot_owner_id: currentOwner?.id ?? null,
    hubspot_owner_assigneddate: currentEntry ? iso(currentEntry.timestamp) : null,
    hubspotscore: String(Math.min(100, Math.floor(rng.logNormal(14, 0.9)))),
    hs_analytics_source: weightedPick(SOURCES, rng.next()),
    lifecyclestage: rng.pick(STAGES),
    hs_lead_status: rng.chance(0.5) ? 'NEW' : rng.chance(0.5) ? 'OPEN' : 'IN_PROGRESS',
  };
  return { id: contactIdOf(index), createdAt, updatedAt: lastModified, archivedAt, properties, history };
}

function pickOwner(
  rotation: readonly SandboxOwner[],
  unfair: ContactGeneratorContext['unfair'],
  at: number,
  u: number,
): SandboxOwner | null {
  if (rotation.length === 0) return null;
  const n = rotation.length;
  const favoured = unfair && at >= unfair.from && at < unfair.to ? unfair.ownerId : null;
  // Weight w makes the favoured share w/(w+n-1) equal UNFAIR_FACTOR/n.
  const w = favoured ? (UNFAIR_FACTOR * (n - 1)) / (n - UNFAIR_FACTOR) : 1;
  const weights = rotation.map((o) => (o.id === favoured ? w : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let x = u * total;
  for (let k = 0; k < n; k++) {
    x -= weights[k]!;
    if (x < 0) return rotation[k]!;
  }
  return rotation[n - 1]!;
}

function weightedPick(items: readonly [string, number][], u: number): string {
  let x = u;
  for (const [value, p] of items) {
    x -= p;
    if (x < 0) return value;
  }
  return items[items.length - 1]![0];
}
