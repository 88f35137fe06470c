import { describe, expect, it } from 'vitest';
import { canSeePayout, canSeeRow, type DirectoryOwner, scopeFor } from '../../src/people/scope-for.js';

/**
 * The role rules of DESIGN §13 over a small directory written by hand: connection 1 (HubSpot)
 * and 2 (Salesforce); Ana sells in both under the same email; team West (id t-w) is Ana's and
 * Bo's in connection 1, team "Carl's team" (id 00E1) is Cy's in connection 2.
 */
const directory: DirectoryOwner[] = [
  { connectionId: 1, ownerId: 'h-ana', email: 'ana@example.com', teams: [{ id: 't-w', name: 'West' }] },
  { connectionId: 1, ownerId: 'h-bo', email: 'bo@example.com', teams: [{ id: 't-w', name: 'West' }] },
  { connectionId: 1, ownerId: 'h-mia', email: 'mia@example.com', teams: [] },
  { connectionId: 2, ownerId: 's-ana', email: 'ana@example.com', teams: [] },
  { connectionId: 2, ownerId: 's-cy', email: 'cy@example.com', teams: [{ id: '00E1', name: "Carl's team" }] },
  { connectionId: 2, ownerId: 's-queue', email: null, teams: [{ id: '00E1', name: "Carl's team" }] },
];
const everyone = directory.map((o) => `${o.connectionId}:${o.ownerId}`);

describe('scopeFor', () => {
  it.each([
    // [who, role, teams, rows they may see, payouts they may see]
    ['admin: everything', 'admin', [], everyone, everyone],
    ['ops: every row, no payout', 'ops', [], everyone, []],
    [
      'rep: own owners in every connection, by email',
      'rep',
      [],
      ['1:h-ana', '2:s-ana'],
      ['1:h-ana', '2:s-ana'],
    ],
    [
      'manager of West by name: the team and themself',
      'manager',
      ['west'],
      ['1:h-ana', '1:h-bo', '1:h-mia'],
      ['1:h-ana', '1:h-bo', '1:h-mia'],
    ],
    [
      'manager by the Salesforce team id',
      'manager',
      ['00E1'],
      ['1:h-mia', '2:s-cy', '2:s-queue'],
      ['1:h-mia', '2:s-cy', '2:s-queue'],
    ],
    ['manager of no team: only themself', 'manager', [], ['1:h-mia'], ['1:h-mia']],
  ] as const)('%s', (_label, role, teams, rows, payouts) => {
    // Mia is the person asked about (the admin and ops cases do not depend on the email)
    // except for the rep case, which is Ana's.
    const email = role === 'rep' ? 'ANA@example.com' : 'mia@example.com';
    const scope = scopeFor({ email, role, teams }, directory);
    const seen = directory.filter((o) => canSeeRow(scope, o)).map((o) => `${o.connectionId}:${o.ownerId}`);
    const paid = directory.filter((o) => canSeePayout(scope, o)).map((o) => `${o.connectionId}:${o.ownerId}`);
    expect(seen).toEqual(rows);
    expect(paid).toEqual(payouts);
  });

  it('a rep whose email no owner has sees nothing', () => {
    const scope = scopeFor({ email: 'new@example.com', role: 'rep', teams: [] }, directory);
    expect(scope).toEqual({ rows: 'owners', owners: [], payouts: 'owners' });
  });

  it("a manager's teams do not leak to a rep holding the same team names", () => {
    const scope = scopeFor({ email: 'bo@example.com', role: 'rep', teams: ['West'] }, directory);
    expect(directory.filter((o) => canSeeRow(scope, o)).map((o) => o.ownerId)).toEqual(['h-bo']);
  });
});
