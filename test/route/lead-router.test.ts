import { describe, expect, it } from 'vitest';
import { companyDomain, LeadRouter, slaMissed } from '../../src/route/lead-router.js';
import type { PoolMember, RoutableLead } from '../../src/route/routing-model.js';
import { parseRoutingRules } from '../../src/route/routing-rules.js';

/** The router over parsed rules; every expectation is read off the rules by hand. */
const emails = ['ana@x.com', 'bo@x.com', 'cy@x.com', 'dee@x.com', 'eve@x.com'];
const known = { ownerEmails: new Set(emails) };
const member = (email: string): PoolMember => ({ email, ownerId: `id-${email[0]}`, windows: [] });

const parsed = parseRoutingRules(
  `fallback: Everyone
pools:
  - name: DE web
    match: [{ field: country, equals: DE }, { field: source, equals: web }]
    members: [ana@x.com, bo@x.com]
    slaMinutes: 30
    maxReroutes: 1
  - name: DE
    match: [{ field: country, equals: DE }]
    members: [cy@x.com]
    matchAccounts: true
  - name: Everyone
    members: rotation
`,
  known,
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const rules = parsed.rules;

function router(): LeadRouter {
  const members = new Map<string, PoolMember[]>([
    ['DE web', [member('ana@x.com'), member('bo@x.com')]],
    ['DE', [member('cy@x.com')]],
    // `rotation`: the stage resolves the rep settings; here two reps.
    ['Everyone', [member('dee@x.com'), member('eve@x.com')]],
  ]);
  return new LeadRouter(rules, members, { timeZone: 'UTC', rulesHash: rules.hash });
}

let n = 0;
function lead(fields: RoutableLead['fields'], email: string | null = null): RoutableLead {
  n += 1;
  return { externalId: `L${n}`, createdAt: new Date(0), email, fields };
}
const t = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute));

describe('LeadRouter', () => {
  it('routes pools by country and source, with a fallback', () => {
    const r = router();
    const decisions = [
      r.route(lead({ country: 'DE', source: 'web' }), t(0)),
      r.route(lead({ country: 'de', source: 'Web' }), t(1)),
      r.route(lead({ country: 'DE', source: 'ads' }), t(2)),
      r.route(lead({ country: 'FR', source: 'web' }), t(3)),
      r.route(lead({}), t(4)),
    ];
    expect(decisions.map((d) => [d.pool, d.chosen?.email, d.rulesHash === rules.hash])).toEqual([
      ['DE web', 'ana@x.com', true],
      ['DE web', 'bo@x.com', true],
      ['DE', 'cy@x.com', true],
      ['Everyone', 'dee@x.com', true],
      ['Everyone', 'eve@x.com', true],
    ]);
  });

  it('an SLA miss re-routes once, to the next member, without counting the lead twice', () => {
    const r = router();
    const l = lead({ country: 'DE', source: 'web' });
    const first = r.route(l, t(0));
    expect(first.chosen?.email).toBe('ana@x.com');
    const pool = r.poolOf(l);
    // 30 minutes: due at 10:30, not before, and not when ana touched it by then.
    expect(slaMissed(pool, t(0), null, t(29), 0)).toBe(false);
    expect(slaMissed(pool, t(0), t(20), t(31), 0)).toBe(false);
    expect(slaMissed(pool, t(0), null, t(31), 0)).toBe(true);
    const hop = r.reroute(l, t(31), ['ana@x.com']);
    expect(hop).toMatchObject({
      kind: 'sla_reroute',
      chosen: { email: 'bo@x.com' },
      rerouteFrom: 'ana@x.com',
    });
    expect(hop?.rerouteHop).toBe(1);
    expect(hop?.members[0]?.excluded).toEqual({ reason: 'previous_owner' });
    // Once: maxReroutes 1.
    expect(slaMissed(pool, t(31), null, t(62), 1)).toBe(false);
    expect(r.reroute(l, t(62), ['ana@x.com', 'bo@x.com'])).toBeNull();
    // The lead counts for ana only (its first owner): the next lead, bo 1 − 0 → bo.
    expect(r.route(lead({ country: 'DE', source: 'web' }), t(63)).chosen?.email).toBe('bo@x.com');
    // A pool without an SLA never re-routes.
    expect(r.reroute(lead({ country: 'FR' }), t(70), ['dee@x.com'])).toBeNull();
  });

  it("a known account's domain goes to its owner, outside the rotation; free mail never matches", () => {
    const r = router();
    const accounts = new Map([['acme.com', { email: 'eve@x.com', ownerId: 'id-e' }]]);
    const matched = r.route(lead({ country: 'DE' }, 'Jo@ACME.com'), t(0), accounts);
    expect(matched).toMatchObject({
      kind: 'account',
      pool: 'DE',
      chosen: { email: 'eve@x.com', ownerId: 'id-e' },
      accountDomain: 'acme.com',
    });
    expect(r.route(lead({ country: 'DE' }, 'jo@gmail.com'), t(1), accounts)).toMatchObject({
      kind: 'rotation',
      chosen: { email: 'cy@x.com' },
    });
    // A pool without matchAccounts ignores the account.
    expect(r.route(lead({}, 'jo@acme.com'), t(2), accounts).kind).toBe('rotation');
    expect([companyDomain('a@b'), companyDomain('nobody'), companyDomain(' x@Sub.Acme.com ')]).toEqual([
      null,
      null,
      'sub.acme.com',
    ]);
  });

  it('records a hand-assigned lead in the pool it matches', () => {
    const r = router();
    // ana got a DE web lead by hand: ana 0.5 / 1, bo 0.5 / 0 → the next goes to bo.
    expect(r.record(lead({ country: 'DE', source: 'web' }), t(0), 'ana@x.com')).toBe(true);
    expect(r.route(lead({ country: 'DE', source: 'web' }), t(1)).chosen?.email).toBe('bo@x.com');
  });
});
