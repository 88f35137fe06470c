import { describe, expect, it } from 'vitest';
import { RotationLedger } from '../../src/route/rotation-ledger.js';
import type { MemberWindow, PoolMember, PoolRules, RoutableLead } from '../../src/route/routing-model.js';

/**
 * The rotation, hand-computed. Each lead's deficit is expected (including this lead's share) −
 * received; the comments give the numbers each expectation follows from.
 */
function pool(overrides: Partial<PoolRules> = {}): PoolRules {
  return {
    name: 'P',
    match: [],
    members: 'rotation',
    capacity: { perDay: null, perWeek: null },
    period: 'month',
    catchUp: false,
    slaMinutes: null,
    maxReroutes: 1,
    matchAccounts: false,
    ...overrides,
  };
}

function window(overrides: Partial<MemberWindow> = {}): MemberWindow {
  return { weight: 1, from: null, to: null, hours: null, timeZone: null, ...overrides };
}

function member(email: string, windows: MemberWindow[] = []): PoolMember {
  return { email, ownerId: `id-${email.split('@')[0]}`, windows };
}

let seq = 0;
function lead(fields: RoutableLead['fields'] = {}, email: string | null = null): RoutableLead {
  seq += 1;
  return { externalId: `L${seq}`, createdAt: new Date(0), email, fields };
}

const UTC = { timeZone: 'UTC', rulesHash: 'h' };
const at = (iso: string) => new Date(iso);
/** Noon UTC on December `day` 2026. */
const noon = (day: number) => at(`2026-12-${String(day).padStart(2, '0')}T12:00:00Z`);
const hour = (h: number) => at(`2026-12-01T${String(h).padStart(2, '0')}:00:00Z`);

function run(ledger: RotationLedger, times: Date[]): (string | null)[] {
  return times.map((t) => ledger.decide(lead(), t).chosen?.email.split('@')[0] ?? null);
}

describe('RotationLedger: the deficit rotation', () => {
  it('two equal reps alternate exactly', () => {
    // L1: both 0.5 − 0, tie, neither had a lead → email: ana. L2: ana 1 − 1 = 0, bo 1 − 0 = 1 → bo.
    // L3: both 1.5 − 1 = 0.5, tie → ana waited longer (L1 before L2). And so on.
    const ledger = new RotationLedger(pool(), [member('bo@x.com'), member('ana@x.com')], UTC);
    const picks = run(
      ledger,
      Array.from({ length: 10 }, (_, i) => hour(i + 1)),
    );
    expect(picks).toEqual(['ana', 'bo', 'ana', 'bo', 'ana', 'bo', 'ana', 'bo', 'ana', 'bo']);
  });

  it('weights 2:1 give 2:1 within one lead at every prefix', () => {
    // By hand, the first six: A (2/3 vs 1/3), B (1/3 vs 2/3), A (1 vs 0), A (2/3 vs 1/3),
    // B (1/3 vs 2/3), A (1 vs 0): A B A A B A.
    const ledger = new RotationLedger(
      pool(),
      [member('a@x.com', [window({ weight: 2 })]), member('b@x.com', [window({ weight: 1 })])],
      UTC,
    );
    const times = Array.from({ length: 300 }, (_, i) => new Date(Date.UTC(2026, 11, 1, 0, i)));
    const picks = run(ledger, times);
    expect(picks.slice(0, 6)).toEqual(['a', 'b', 'a', 'a', 'b', 'a']);
    let a = 0;
    picks.forEach((pick, i) => {
      if (pick === 'a') a += 1;
      expect(Math.abs(a - (2 * (i + 1)) / 3)).toBeLessThan(1);
    });
    expect(a).toBe(200);
  });

  // bo is on leave 8–14 December (windows end on the 7th and start again on the 15th); one lead a day.
  const onLeave = () => [
    member('ana@x.com'),
    member('bo@x.com', [window({ to: '2026-12-07' }), window({ from: '2026-12-15' })]),
  ];

  it('a rep back from a week of leave returns to her normal share, no burst', () => {
    // 1–7: A B A B A B A (ana 4, bo 3, expected 3.5 each). 8–14: ana alone, expected +1 a lead
    // (ana 10.5 expected, 11 received). 15th: ana 11 − 11 = 0, bo 4 − 3 = 1 → bo; 16th: both
    // 0.5 → ana waited longer; then alternation: no run of bo.
    const ledger = new RotationLedger(pool(), onLeave(), UTC);
    const picks = run(
      ledger,
      Array.from({ length: 22 }, (_, i) => noon(i + 1)),
    );
    expect(picks.join(' ')).toBe(
      'ana bo ana bo ana bo ana ana ana ana ana ana ana ana bo ana bo ana bo ana bo ana',
    );
    const away = ledger
      .decide(lead(), noon(23), { commit: false })
      .members.find((m) => m.email === 'bo@x.com');
    expect(away?.excluded).toBeNull();
  });

  it('with catchUp: true, to the computed catch-up', () => {
    // During the leave bo also accrues 0.5 a lead: on the 14th ana 7 expected / 11 received, bo
    // 7 / 3. The j-th lead from the 15th: bo 7 + j/2 − (3 + j − 1) = 5 − j/2, ana j/2 − 4: bo wins
    // while j < 9 (8 leads, 15th–22nd), j = 9 ties at 0.5 and ana waited longer; then alternation.
    const ledger = new RotationLedger(pool({ catchUp: true }), onLeave(), UTC);
    const picks = run(
      ledger,
      Array.from({ length: 26 }, (_, i) => noon(i + 1)),
    );
    expect(picks.slice(14).join(' ')).toBe('bo bo bo bo bo bo bo bo ana bo ana bo');
  });

  it('a capped rep is skipped and the decision says so; with everyone capped the lead stays unrouted', () => {
    // Weights 9:1, perDay 1. L1: ana 0.9 vs 0.1 → ana. L2: ana 1.8 − 1 = 0.8 > bo 0.2, but ana
    // has her 1 for the day → bo. L3: both capped → nobody. Next day: ana again.
    const ledger = new RotationLedger(
      pool({ capacity: { perDay: 1, perWeek: null } }),
      [member('ana@x.com', [window({ weight: 9 })]), member('bo@x.com', [window({ weight: 1 })])],
      UTC,
    );
    expect(ledger.decide(lead(), hour(9)).chosen?.email).toBe('ana@x.com');
    const second = ledger.decide(lead(), hour(10));
    expect(second.chosen?.email).toBe('bo@x.com');
    const ana = second.members.find((m) => m.email === 'ana@x.com');
    expect(ana?.excluded).toEqual({ reason: 'day_cap', cap: 1 });
    expect(ana?.deficit).toBeCloseTo(0.8, 12);
    const third = ledger.decide(lead(), hour(11));
    expect(third.chosen).toBeNull();
    expect(third.unroutedReason).toBe('no eligible member in pool P: 2 at the daily cap');
    expect(ledger.decide(lead(), at('2026-12-02T09:00:00Z')).chosen?.email).toBe('ana@x.com');
  });

  it('a weekly cap counts ISO weeks, Monday first, in the connection zone', () => {
    // perWeek 1 in Europe/Berlin; ana has 2 leads by hand on Friday 4 Dec. Sunday 6 Dec 22:30Z is
    // Sunday 23:30 in Berlin, the same ISO week; 23:30Z is Monday 00:30 Berlin, the next one.
    const ledger = new RotationLedger(
      pool({ capacity: { perDay: null, perWeek: 1 }, period: 'quarter' }),
      [member('ana@x.com'), member('bo@x.com')],
      { timeZone: 'Europe/Berlin', rulesHash: 'h' },
    );
    ledger.record(at('2026-12-04T10:00:00Z'), 'ana@x.com');
    ledger.record(at('2026-12-04T11:00:00Z'), 'ana@x.com');
    // Expected: 0.5 each per lead. Sunday: ana 1.5 − 2, capped (2 this week); bo 1.5 − 0 → bo.
    const sunday = ledger.decide(lead(), at('2026-12-06T22:30:00Z'));
    expect(sunday.chosen?.email).toBe('bo@x.com');
    expect(sunday.members[0]?.excluded).toEqual({ reason: 'week_cap', cap: 1 });
    // Monday 00:30 Berlin: a new week, nobody capped; bo 2 − 1 = 1 > ana 2 − 2 = 0 → bo.
    const monday = ledger.decide(lead(), at('2026-12-06T23:30:00Z'));
    expect(monday.chosen?.email).toBe('bo@x.com');
    expect(monday.members[0]?.excluded).toBeNull();
    // Monday 01:30: both 2.5 − 2 = 0.5, but bo has his 1 of this week → ana.
    const later = ledger.decide(lead(), at('2026-12-07T00:30:00Z'));
    expect(later.chosen?.email).toBe('ana@x.com');
    expect(later.members[1]?.excluded).toEqual({ reason: 'week_cap', cap: 1 });
  });

  it('a hand-assigned lead counts toward that member’s received; a non-member’s counts for nobody', () => {
    // ana got a lead by hand at 09:00: ana 0.5 / 1, bo 0.5 / 0. 10:00: ana 1 − 1 = 0, bo 1 → bo.
    // 11:00: both 1.5 − 1 = 0.5, ana waited longer (09:00) → ana.
    const ledger = new RotationLedger(pool(), [member('ana@x.com'), member('bo@x.com')], UTC);
    expect(ledger.record(hour(9), 'Ana@x.com')).toBe(true);
    expect(ledger.record(hour(9), 'outsider@x.com')).toBe(false);
    const ten = ledger.decide(lead(), hour(10));
    expect(ten.chosen?.email).toBe('bo@x.com');
    expect(ten.members.map((m) => [m.email, m.expected, m.received])).toEqual([
      ['ana@x.com', 1, 1],
      ['bo@x.com', 1, 0],
    ]);
    expect(ledger.decide(lead(), hour(11)).chosen?.email).toBe('ana@x.com');
    expect(ledger.totals()).toEqual([
      { email: 'ana@x.com', ownerId: 'id-ana', received: 2, expected: 1.5 },
      { email: 'bo@x.com', ownerId: 'id-bo', received: 1, expected: 1.5 },
    ]);
  });

  it('a new period starts everyone at zero', () => {
    // period week. Sunday 6 Dec: ana 3 received (last 10:00), bo 1 (11:00). Monday 7 Dec, a new
    // ISO week: both 0.5 − 0, a tie, ana waited longer → ana (without the reset, bo: 2.5 − 1 > 2.5 − 3).
    const ledger = new RotationLedger(
      pool({ period: 'week' }),
      [member('ana@x.com'), member('bo@x.com')],
      UTC,
    );
    for (const h of ['08', '09', '10']) ledger.record(at(`2026-12-06T${h}:00:00Z`), 'ana@x.com');
    ledger.record(at('2026-12-06T11:00:00Z'), 'bo@x.com');
    const monday = ledger.decide(lead(), at('2026-12-07T09:00:00Z'));
    expect(monday.chosen?.email).toBe('ana@x.com');
    expect(monday.members.map((m) => m.received)).toEqual([0, 0]);
    expect(() => ledger.record(at('2026-12-06T12:00:00Z'), 'bo@x.com')).toThrow(/time order/);
  });

  it('a lead outside a member’s working hours goes to the next member in hours', () => {
    // Connection zone Berlin. ana works 09:00–17:00 Berlin, bo 09:00–17:00 New York (EST, UTC−5).
    const ledger = new RotationLedger(
      pool(),
      [
        member('ana@x.com', [window({ hours: { start: '09:00', end: '17:00' }, timeZone: 'Europe/Berlin' })]),
        member('bo@x.com', [
          window({ hours: { start: '09:00', end: '17:00' }, timeZone: 'America/New_York' }),
        ]),
      ],
      { timeZone: 'Europe/Berlin', rulesHash: 'h' },
    );
    // 10:00Z = 11:00 Berlin, 05:00 New York: ana; bo starts at 09:00 EST = 14:00Z.
    const morning = ledger.decide(lead(), at('2026-12-01T10:00:00Z'));
    expect(morning.chosen?.email).toBe('ana@x.com');
    // bo is out of hours, so he accrues nothing: the whole lead is ana's expected share.
    expect(morning.members.map((m) => m.expected)).toEqual([1, 0]);
    expect(morning.members[1]?.excluded).toEqual({
      reason: 'outside_hours',
      nextStart: at('2026-12-01T14:00:00Z'),
    });
    // 17:00Z = 18:00 Berlin, 12:00 New York: bo, though ana's deficit (1 − 1 = 0) is no smaller…
    const evening = ledger.decide(lead(), at('2026-12-01T17:00:00Z'));
    expect(evening.chosen?.email).toBe('bo@x.com');
    // …and she accrued nothing for it: expected 1 (this lead is all bo's), ana starts 08:00Z.
    expect(evening.members[0]).toMatchObject({
      expected: 1,
      received: 1,
      excluded: { reason: 'outside_hours', nextStart: at('2026-12-02T08:00:00Z') },
    });
    // 23:00Z = 00:00 Berlin, 18:00 New York: nobody.
    const night = ledger.decide(lead(), at('2026-12-01T23:00:00Z'));
    expect(night.chosen).toBeNull();
    expect(night.unroutedReason).toBe('no eligible member in pool P: 2 outside working hours');
  });

  it('an absent member is unavailable until her next window; weight 0 is excluded', () => {
    const ledger = new RotationLedger(
      pool(),
      [
        member('ana@x.com', [window({ to: '2026-11-30' }), window({ from: '2026-12-07' })]),
        member('bo@x.com', [window({ weight: 0 })]),
        member('cy@x.com'),
      ],
      { timeZone: 'Europe/Berlin', rulesHash: 'h' },
    );
    const d = ledger.decide(lead(), at('2026-12-02T10:00:00Z'));
    expect(d.chosen?.email).toBe('cy@x.com');
    // Monday 7 December 00:00 in Berlin is 6 December 23:00Z.
    expect(d.members.map((m) => m.excluded)).toEqual([
      { reason: 'unavailable', until: at('2026-12-06T23:00:00Z') },
      { reason: 'weight_zero' },
      null,
    ]);
  });
});
