import { type Availability, MemberAvailability } from './member-availability.js';
import type {
  DecisionKind,
  Exclusion,
  MemberStanding,
  PoolMember,
  PoolRules,
  RoutableLead,
  RoutingDecision,
} from './routing-model.js';
import { isoWeekOf, monthOf, ZoneClock } from './zone-clock.js';

/**
 * The deficit-based weighted rotation of one pool (DESIGN §11), in the lead audit's own terms
 * (§5): each lead of the pool that a member receives adds, to every member available at that
 * moment, weight ÷ Σ weights of the members available then to their expected leads; the lead
 * goes to the eligible member with the largest deficit (expected − received in the pool's
 * current period). The deficit a decision uses includes this lead's share, which makes the
 * rotation the smooth weighted round robin: two equal members alternate exactly and weights 2:1
 * stay within one lead of 2:1 at every prefix.
 *
 * Incremental and pure: `record` counts leads already assigned (routed or by hand: both count
 * as received, so hand assignments are balanced out); `decide` chooses and counts. A lead that a
 * non-member received, or that nobody could take, accrues no one's expected share — the audit
 * shares out only the leads its rotation received. Caps limit what a member receives, not their
 * fair share: a capped member keeps accruing expected, as the audit would count it.
 */
const EPSILON = 1e-9;
const PREVIOUS_OWNER: Exclusion = { reason: 'previous_owner' };
const WEIGHT_ZERO: Exclusion = { reason: 'weight_zero' };

export interface LedgerOptions {
  /** The connection's IANA zone: days, ISO weeks, months and availability dates are in it. */
  readonly timeZone: string;
  readonly rulesHash: string;
  /** For `period: quarter` (fiscal quarters, DESIGN §5); January when absent. */
  readonly fiscalYearStartMonth?: number;
  /** Shared between the pools of one router so zone offsets are looked up once. */
  readonly clock?: ZoneClock;
}

export interface MemberTotals {
  readonly email: string;
  readonly ownerId: string;
  /** Over every period the ledger has seen (the simulation's per-rep figures). */
  readonly received: number;
  readonly expected: number;
}

export interface DecideOptions {
  /** Members who may not take this lead (an SLA re-route's previous owners). */
  readonly exclude?: ReadonlySet<string>;
  readonly kind?: DecisionKind;
  /** Count the decision (default); false only asks who it would be. */
  readonly commit?: boolean;
}

interface MemberState {
  readonly email: string;
  readonly ownerId: string;
  readonly availability: MemberAvailability;
  expected: number;
  received: number;
  totalExpected: number;
  totalReceived: number;
  lastLeadAt: number | null;
  /** The same Date for every decision until the next lead (decisions are kept by the thousand). */
  lastLeadDate: Date | null;
  /** Exclusions that hold for a while, shared by the decisions they appear in. */
  awayExclusion: Exclusion | null;
  hoursExclusion: Exclusion | null;
  readonly perDay: Map<number, number>;
  readonly perWeek: Map<number, number>;
}

interface Moment {
  readonly ms: number;
  readonly day: number;
  readonly week: number;
  readonly period: number;
}

interface Row {
  readonly member: MemberState;
  /** This lead's accrual weight for the member (0: no share). */
  readonly weight: number;
  readonly excluded: Exclusion | null;
  /** Expected and received of the current period as the decision sees them (before this lead). */
  readonly expected: number;
  readonly received: number;
}

function bump(map: Map<number, number>, key: number): void {
  map.set(key, (map.get(key) ?? 0) + 1);
  // Caps look at today and this week only; older counts are never read again.
  if (map.size > 8) for (const k of map.keys()) if (k < key - 7) map.delete(k);
}

export class RotationLedger {
  private readonly members: readonly MemberState[];
  private readonly byEmail: ReadonlyMap<string, MemberState>;
  private readonly clock: ZoneClock;
  private periodKey: number | null = null;
  private readonly dayCap: Exclusion;
  private readonly weekCap: Exclusion;

  constructor(
    readonly pool: PoolRules,
    members: readonly PoolMember[],
    private readonly options: LedgerOptions,
  ) {
    this.clock = options.clock ?? new ZoneClock();
    this.clock.offsetMinutes(0, options.timeZone); // an unknown zone fails here, not mid-run
    const sorted = [...members].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
    this.members = sorted.map((m) => ({
      email: m.email.toLowerCase(),
      ownerId: m.ownerId,
      availability: new MemberAvailability(m, options.timeZone, this.clock),
      expected: 0,
      received: 0,
      totalExpected: 0,
      totalReceived: 0,
      lastLeadAt: null,
      lastLeadDate: null,
      awayExclusion: null,
      hoursExclusion: null,
      perDay: new Map(),
      perWeek: new Map(),
    }));
    this.byEmail = new Map(this.members.map((m) => [m.email, m]));
    this.dayCap = { reason: 'day_cap', cap: pool.capacity.perDay ?? 0 };
    this.weekCap = { reason: 'week_cap', cap: pool.capacity.perWeek ?? 0 };
  }

  has(email: string): boolean {
    return this.byEmail.has(email.toLowerCase());
  }

  private moment(at: Date): Moment {
    const ms = at.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('A routing time must be a valid date.');
    const day = this.clock.localDay(ms, this.options.timeZone);
    const week = isoWeekOf(day);
    const grain = this.pool.period;
    let period = week;
    if (grain !== 'week') {
      const month = monthOf(day);
      period =
        grain === 'month' ? month : Math.floor((month - ((this.options.fiscalYearStartMonth ?? 1) - 1)) / 3);
    }
    return { ms, day, week, period };
  }

  /** A new period starts every member's expected and received at 0; time never runs backwards across one. */
  private advance(m: Moment): void {
    if (this.periodKey !== null && m.period < this.periodKey) {
      throw new RangeError(
        `Pool "${this.pool.name}": leads must be recorded and decided in time order across periods.`,
      );
    }
    if (this.periodKey !== m.period) {
      for (const s of this.members) {
        s.expected = 0;
        s.received = 0;
      }
      this.periodKey = m.period;
    }
  }

  private exclusion(
    s: MemberState,
    a: Availability,
    m: Moment,
    exclude?: ReadonlySet<string>,
  ): Exclusion | null {
    if (exclude?.has(s.email)) return PREVIOUS_OWNER;
    if (a.state === 'unavailable') return { reason: 'unavailable', until: s.availability.backOn(m.day) };
    if (a.state === 'outside_hours')
      return { reason: 'outside_hours', nextStart: s.availability.nextStart(m.ms) };
    if (a.state === 'weight_zero') return WEIGHT_ZERO;
    const { perDay, perWeek } = this.pool.capacity;
    if (perDay !== null && (s.perDay.get(m.day) ?? 0) >= perDay) return this.dayCap;
    if (perWeek !== null && (s.perWeek.get(m.week) ?? 0) >= perWeek) return this.weekCap;
    return null;
  }

  private rows(m: Moment, exclude?: ReadonlySet<string>): { rows: Row[]; total: number } {
    const fresh = this.periodKey !== m.period; // a peek into a period not started yet
    let total = 0;
    const rows = this.members.map((s) => {
      const a = s.availability.at(m.ms, m.day);
      let weight = 0;
      if (a.state === 'available') weight = a.weight;
      else if (this.pool.catchUp && a.state !== 'weight_zero') weight = s.availability.catchUpWeight(m.day);
      total += weight;
      return {
        member: s,
        weight,
        excluded: this.exclusion(s, a, m, exclude),
        expected: fresh ? 0 : s.expected,
        received: fresh ? 0 : s.received,
      };
    });
    return { rows, total };
  }

  private apply(m: Moment, rows: readonly Row[], total: number, chosen: MemberState): void {
    this.advance(m);
    if (total > 0) {
      for (const row of rows) {
        const share = row.weight / total;
        row.member.expected += share;
        row.member.totalExpected += share;
      }
    }
    chosen.received += 1;
    chosen.totalReceived += 1;
    if (chosen.lastLeadAt === null || m.ms > chosen.lastLeadAt) {
      chosen.lastLeadAt = m.ms;
      chosen.lastLeadDate = new Date(m.ms);
    }
    bump(chosen.perDay, m.day);
    bump(chosen.perWeek, m.week);
  }

  /**
   * Counts a lead of this pool already assigned to `ownerEmail` at `at` (routed earlier, or by
   * hand). Returns false, counting nothing, when the owner is not a member of the pool.
   */
  record(at: Date, ownerEmail: string): boolean {
    const chosen = this.byEmail.get(ownerEmail.toLowerCase());
    if (!chosen) return false;
    const m = this.moment(at);
    this.advance(m);
    const { rows, total } = this.rows(m);
    this.apply(m, rows, total, chosen);
    return true;
  }

  private pick(rows: readonly Row[], total: number): Row | null {
    let best: Row | null = null;
    let bestDeficit = 0;
    for (const row of rows) {
      if (row.excluded !== null || row.weight <= 0) continue;
      const deficit = row.expected + row.weight / total - row.received;
      if (best === null || deficit > bestDeficit + EPSILON) {
        best = row;
        bestDeficit = deficit;
        continue;
      }
      if (deficit < bestDeficit - EPSILON) continue;
      // A tie: the longer wait since the last lead of the pool (never = longest), then the email
      // (rows are in email order, so the earlier row already wins that).
      const a = row.member.lastLeadAt ?? Number.NEGATIVE_INFINITY;
      const b = best.member.lastLeadAt ?? Number.NEGATIVE_INFINITY;
      if (a < b) {
        best = row;
        bestDeficit = deficit;
      }
    }
    return best;
  }

  /** Chooses the owner of `lead` at `at` and, unless `commit: false`, counts it. */
  decide(lead: RoutableLead, at: Date, options: DecideOptions = {}): RoutingDecision {
    const m = this.moment(at);
    const commit = options.commit ?? true;
    if (commit) this.advance(m);
    const { rows, total } = this.rows(m, options.exclude);
    const best = this.pick(rows, total);
    const decision = this.decision(lead, at, rows, total, best, options.kind ?? 'rotation');
    if (commit && best) this.apply(m, rows, total, best.member);
    return decision;
  }

  /**
   * A lead that goes to a given owner outside the rotation (account matching): the standings
   * are listed as they are, and the lead counts as received when the owner is a member.
   */
  assign(
    lead: RoutableLead,
    at: Date,
    owner: { readonly email: string; readonly ownerId: string },
    kind: DecisionKind,
  ): RoutingDecision {
    const m = this.moment(at);
    this.advance(m);
    const { rows, total } = this.rows(m);
    const member = this.byEmail.get(owner.email.toLowerCase());
    const chosenRow = member ? (rows.find((r) => r.member === member) ?? null) : null;
    const decision = this.decision(lead, at, rows, total, chosenRow, kind);
    if (member) this.apply(m, rows, total, member);
    return {
      ...decision,
      chosen: { email: owner.email.toLowerCase(), ownerId: owner.ownerId },
      unroutedReason: null,
    };
  }

  private decision(
    lead: RoutableLead,
    at: Date,
    rows: readonly Row[],
    total: number,
    chosen: Row | null,
    kind: DecisionKind,
  ): RoutingDecision {
    const members: MemberStanding[] = rows.map((row) => {
      const expected = row.expected + (chosen && total > 0 ? row.weight / total : 0);
      return {
        email: row.member.email,
        ownerId: row.member.ownerId,
        expected,
        received: row.received,
        deficit: expected - row.received,
        lastLeadAt: row.member.lastLeadDate,
        excluded: row.excluded,
      };
    });
    return {
      leadId: lead.externalId,
      decidedAt: at,
      rulesHash: this.options.rulesHash,
      pool: this.pool.name,
      kind,
      members,
      chosen: chosen ? { email: chosen.member.email, ownerId: chosen.member.ownerId } : null,
      unroutedReason: chosen ? null : unroutedReason(this.pool.name, rows),
    };
  }

  /** Received and expected per member over every period seen. */
  totals(): MemberTotals[] {
    return this.members.map((s) => ({
      email: s.email,
      ownerId: s.ownerId,
      received: s.totalReceived,
      expected: s.totalExpected,
    }));
  }
}

const REASON_WORDS: Record<Exclusion['reason'], string> = {
  unavailable: 'unavailable',
  outside_hours: 'outside working hours',
  day_cap: 'at the daily cap',
  week_cap: 'at the weekly cap',
  weight_zero: 'at weight 0',
  previous_owner: 'already had the lead',
};

function unroutedReason(pool: string, rows: readonly Row[]): string {
  if (rows.length === 0) return `no eligible member in pool ${pool}: the pool has no members`;
  const counts = new Map<string, number>();
  for (const row of rows) {
    const words = row.excluded ? REASON_WORDS[row.excluded.reason] : 'at weight 0';
    counts.set(words, (counts.get(words) ?? 0) + 1);
  }
  const parts = [...counts].map(([words, n]) => `${n} ${words}`);
  return `no eligible member in pool ${pool}: ${parts.join(', ')}`;
}
