import { describe, expect, it } from 'vitest';
import { resolvePoolMembers } from '../../src/route/pool-members.js';
import type { MemberWindow, RoutingRules } from '../../src/route/routing-model.js';
import { parseRoutingRules } from '../../src/route/routing-rules.js';

const win = (weight: number): MemberWindow => ({ weight, from: null, to: null, hours: null, timeZone: null });

describe('resolvePoolMembers', () => {
  it('gives listed members their settings and rotation every rep with weight > 0', () => {
    const parsed = parseRoutingRules(
      'fallback: All\npools:\n  - name: Web\n    match: [{ field: source, equals: web }]\n    members: [ana@x.com, bo@x.com]\n  - name: All\n    members: rotation\n',
      { ownerEmails: new Set(['ana@x.com', 'bo@x.com', 'cy@x.com', 'dee@x.com']) },
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const rules: RoutingRules = parsed.rules;
    const owners = new Map([
      ['ana@x.com', 'A'],
      ['bo@x.com', 'B'],
      ['cy@x.com', 'C'],
      ['dee@x.com', 'D'],
    ]);
    // ana: weight 2; cy: weight 0 then 1 (in the rotation); dee: only weight 0 (out); bo: no settings.
    const settings = new Map([
      ['cy@x.com', { windows: [win(0), win(1)] }],
      ['ana@x.com', { windows: [win(2)] }],
      ['dee@x.com', { windows: [win(0)] }],
    ]);
    const members = resolvePoolMembers(rules, owners, settings);
    expect(members.get('Web')).toEqual([
      { email: 'ana@x.com', ownerId: 'A', windows: [win(2)] },
      { email: 'bo@x.com', ownerId: 'B', windows: [] },
    ]);
    expect(members.get('All')?.map((m) => m.email)).toEqual(['ana@x.com', 'cy@x.com']);
  });
});
