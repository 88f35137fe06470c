import { describe, expect, it } from 'vitest';
import { explainDecision } from '../../src/route/explain-decision.js';
import { LeadRouter } from '../../src/route/lead-router.js';
import { RotationLedger } from '../../src/route/rotation-ledger.js';
import type {
  MemberStanding,
  PoolRules,
  RoutableLead,
  RoutingDecision,
} from '../../src/route/routing-model.js';

/** The sentences are written out by hand from the decisions' numbers. */
const ZONE = 'Europe/Berlin';
const standing = (email: string, over: Partial<MemberStanding>): MemberStanding => ({
  email,
  ownerId: `id-${email[0]}`,
  expected: 0,
  received: 0,
  deficit: 0,
  lastLeadAt: null,
  excluded: null,
  ...over,
});
const base: RoutingDecision = {
  leadId: 'L1',
  decidedAt: new Date('2026-12-03T10:00:00Z'),
  rulesHash: 'h',
  pool: 'EMEA',
  kind: 'rotation',
  members: [],
  chosen: null,
  unroutedReason: null,
};
const pool: PoolRules = {
  name: 'P',
  match: [],
  members: 'rotation',
  capacity: { perDay: null, perWeek: null },
  period: 'month',
  catchUp: false,
  slaMinutes: null,
  maxReroutes: 1,
  matchAccounts: false,
};
const lead: RoutableLead = { externalId: 'L', createdAt: new Date(0), email: null, fields: {} };

describe('explainDecision', () => {
  it('says who got the lead, by how much they were owed, and why the others did not', () => {
    const decision: RoutingDecision = {
      ...base,
      members: [
        standing('ana@x.com', { expected: 14.2, received: 11, deficit: 3.2 }),
        standing('bo@x.com', {
          expected: 15,
          received: 20,
          deficit: -5,
          excluded: { reason: 'day_cap', cap: 20 },
        }),
        // Monday 7 December 00:00 in Berlin.
        standing('cy@x.com', {
          excluded: { reason: 'unavailable', until: new Date('2026-12-06T23:00:00Z') },
        }),
        standing('dee@x.com', { expected: 10, received: 9, deficit: 1.04 }),
      ],
      chosen: { email: 'ana@x.com', ownerId: 'id-a' },
    };
    expect(explainDecision(decision, ZONE)).toBe(
      'Routed to ana@x.com in pool EMEA: the largest shortfall, 3.2 leads below their fair share ' +
        '(expected 14.2, received 11). Not chosen: bo@x.com was at the daily cap of 20; ' +
        'cy@x.com is away until Monday 7 December; owed less: dee@x.com 1.',
    );
  });

  it('names a tie and how it was broken', () => {
    // ABAB: the third lead ties ana and bo at 1.5 − 1 = 0.5; ana's last lead was at 09:00Z = 10:00 Berlin.
    const ledger = new RotationLedger(
      pool,
      [
        { email: 'ana@x.com', ownerId: 'a', windows: [] },
        { email: 'bo@x.com', ownerId: 'b', windows: [] },
      ],
      { timeZone: ZONE, rulesHash: 'h' },
    );
    const first = ledger.decide(lead, new Date('2026-12-01T09:00:00Z'));
    ledger.decide(lead, new Date('2026-12-01T10:00:00Z'));
    const third = ledger.decide(lead, new Date('2026-12-01T11:00:00Z'));
    expect(explainDecision(first, ZONE)).toBe(
      'Routed to ana@x.com in pool P: the largest shortfall, 0.5 leads below their fair share ' +
        '(expected 0.5, received 0), tied with bo@x.com on shortfall and wait, and first by email.',
    );
    expect(explainDecision(third, ZONE)).toBe(
      'Routed to ana@x.com in pool P: the largest shortfall, 0.5 leads below their fair share ' +
        '(expected 1.5, received 1), tied with bo@x.com, and had waited longest since their last ' +
        'lead of the pool (10:00 on Tuesday 1 December).',
    );
  });

  it('explains an unrouted lead, an account match and an SLA re-route', () => {
    const unrouted: RoutingDecision = {
      ...base,
      members: [
        standing('ana@x.com', {
          excluded: { reason: 'outside_hours', nextStart: new Date('2026-12-04T08:00:00Z') },
        }),
        standing('bo@x.com', { excluded: { reason: 'week_cap', cap: 80 } }),
      ],
      unroutedReason: 'no eligible member in pool EMEA: 1 outside working hours, 1 at the weekly cap',
    };
    expect(explainDecision(unrouted, ZONE)).toBe(
      'Not routed in pool EMEA: no member was eligible. ana@x.com was outside working hours ' +
        '(back at 09:00 on Friday 4 December); bo@x.com was at the weekly cap of 80. ' +
        'The lead stays unrouted; it is never given to a default owner.',
    );
    // The same members, but an SLA re-route that found nobody else.
    expect(
      explainDecision({ ...unrouted, kind: 'sla_reroute', rerouteFrom: 'cy@x.com', rerouteHop: 1 }, ZONE),
    ).toBe(
      'Not re-routed in pool EMEA: no other member was eligible. ana@x.com was outside working hours ' +
        '(back at 09:00 on Friday 4 December); bo@x.com was at the weekly cap of 80. The lead stays with cy@x.com.',
    );
    const account: RoutingDecision = {
      ...base,
      kind: 'account',
      chosen: { email: 'eve@x.com', ownerId: 'e' },
      accountDomain: 'acme.com',
    };
    expect(explainDecision(account, ZONE)).toBe(
      "Routed to eve@x.com in pool EMEA, outside the rotation: the lead's email domain acme.com " +
        'belongs to an account where eve@x.com owns an open deal.',
    );
    const router = new LeadRouter(
      {
        hash: 'h',
        routeFrom: [],
        fallback: 'P',
        pools: [{ ...pool, slaMinutes: 30 }],
      },
      new Map([
        [
          'P',
          [
            { email: 'ana@x.com', ownerId: 'a', windows: [] },
            { email: 'bo@x.com', ownerId: 'b', windows: [] },
          ],
        ],
      ]),
      { timeZone: ZONE, rulesHash: 'h' },
    );
    router.route(lead, new Date('2026-12-01T09:00:00Z'));
    const hop = router.reroute(lead, new Date('2026-12-01T09:31:00Z'), ['ana@x.com']);
    // bo: 0.5 expected so far + 0.5 for this lead, 0 received → 1 below.
    expect(explainDecision(hop as RoutingDecision, ZONE)).toBe(
      "Re-routed to bo@x.com in pool P: ana@x.com had not touched the lead within the pool's SLA " +
        '(re-route 1); among the others, the largest shortfall, 1 lead below their fair share ' +
        '(expected 1, received 0). Not chosen: ana@x.com already had the lead.',
    );
  });
});
