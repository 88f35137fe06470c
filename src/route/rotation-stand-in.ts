import { DateTime } from 'luxon';
import type {
  Exclusion,
  MemberStanding,
  PoolMember,
  PoolRules,
  RoutableLead,
  RoutingDecision,
} from './routing-model.js';

/**
 * A STAND-IN for the deficit rotation the core engineer builds (branch r-rcore): the route stage
 * is written against this small ledger shape and swaps in theirs when it lands. It follows §11
 * in its simplest form: each lead of the pool adds weight ÷ Σ weights of the members available
 * at that moment to each available member's expected count; the eligible member with the
 * largest deficit wins, ties by longest wait, then email. Working hours and catch-up are not
 * modelled here.
 */
export interface RotationLedger {
  /** A lead of the pool a member received (routed, or assigned by hand), in time order. */
  record(email: string, at: Date): void;
  /** The decision for a new lead; call `record` with the chosen member afterwards. */
  decide(lead: RoutableLead, at: Date, rulesHash: string): RoutingDecision;
}

interface Tally {
  expected: number;
  received: number;
  lastLeadAt: Date | null;
  byDay: Map<string, number>;
  byWeek: Map<string, number>;
}

export function createStandInLedger(
  pool: PoolRules,
  members: readonly PoolMember[],
  timeZone: string,
): RotationLedger {
  const tallies = new Map<string, Tally>(
    members.map((m) => [
      m.email,
      { expected: 0, received: 0, lastLeadAt: null, byDay: new Map(), byWeek: new Map() },
    ]),
  );
  const keys = (at: Date) => {
    const local = DateTime.fromJSDate(at, { zone: timeZone });
    return { day: local.toISODate() as string, week: `${local.weekYear}-W${local.weekNumber}` };
  };
  const weightAt = (m: PoolMember, at: Date): number | 'unavailable' => {
    if (m.windows.length === 0) return 1;
    const day = keys(at).day;
    const w = m.windows.find((x) => (x.from === null || x.from <= day) && (x.to === null || day <= x.to));
    return w ? w.weight : 'unavailable';
  };
  const accrue = (at: Date) => {
    const weights = members.map((m) => ({ m, w: weightAt(m, at) }));
    const total = weights.reduce((s, x) => s + (typeof x.w === 'number' ? x.w : 0), 0);
    if (total <= 0) return;
    for (const { m, w } of weights) {
      if (typeof w === 'number' && w > 0) (tallies.get(m.email) as Tally).expected += w / total;
    }
  };
  return {
    record(email, at) {
      const t = tallies.get(email);
      accrue(at);
      if (!t) return;
      const k = keys(at);
      t.received += 1;
      t.lastLeadAt = at;
      t.byDay.set(k.day, (t.byDay.get(k.day) ?? 0) + 1);
      t.byWeek.set(k.week, (t.byWeek.get(k.week) ?? 0) + 1);
    },
    decide(lead, at, rulesHash) {
      const k = keys(at);
      const exclusionOf = (m: PoolMember): Exclusion | null => {
        const w = weightAt(m, at);
        if (w === 'unavailable') return { reason: 'unavailable', until: null };
        if (w <= 0) return { reason: 'weight_zero' };
        const t = tallies.get(m.email) as Tally;
        const { perDay, perWeek } = pool.capacity;
        if (perDay !== null && (t.byDay.get(k.day) ?? 0) >= perDay) return { reason: 'day_cap', cap: perDay };
        if (perWeek !== null && (t.byWeek.get(k.week) ?? 0) >= perWeek)
          return { reason: 'week_cap', cap: perWeek };
        return null;
      };
      const excluded = new Map(members.map((m) => [m.email, exclusionOf(m)]));
      const eligible = members.filter((m) => excluded.get(m.email) === null);
      const total = eligible.reduce((s, m) => s + (weightAt(m, at) as number), 0);
      const standings: MemberStanding[] = members.map((m) => {
        const t = tallies.get(m.email) as Tally;
        const share = excluded.get(m.email) === null && total > 0 ? (weightAt(m, at) as number) / total : 0;
        const expected = t.expected + share;
        return {
          email: m.email,
          ownerId: m.ownerId,
          expected,
          received: t.received,
          deficit: expected - t.received,
          lastLeadAt: t.lastLeadAt,
          excluded: excluded.get(m.email) ?? null,
        };
      });
      const best = standings
        .filter((s) => s.excluded === null)
        .sort(
          (a, b) =>
            b.deficit - a.deficit ||
            (a.lastLeadAt?.getTime() ?? Number.NEGATIVE_INFINITY) -
              (b.lastLeadAt?.getTime() ?? Number.NEGATIVE_INFINITY) ||
            a.email.localeCompare(b.email),
        )[0];
      return {
        leadId: lead.externalId,
        decidedAt: at,
        rulesHash,
        pool: pool.name,
        kind: 'rotation',
        members: standings,
        chosen: best ? { email: best.email, ownerId: best.ownerId } : null,
        unroutedReason: best
          ? null
          : members.length === 0
            ? `pool "${pool.name}" has no members`
            : `no member of pool "${pool.name}" is eligible now`,
      };
    },
  };
}
