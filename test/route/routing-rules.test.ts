import { describe, expect, it } from 'vitest';
import { parseRoutingRules } from '../../src/route/routing-rules.js';

/**
 * The rules file is refused whole, with every problem at its line. Line numbers are counted by
 * hand in each YAML text below (line 1 is the first line after the opening backtick's newline is
 * stripped by `yaml()`).
 */
const known = { ownerEmails: new Set(['ana@x.com', 'bo@x.com', 'cy@x.com', 'leads@x.com']) };

/** Strips the template's first newline, so the text's line 1 is the first line written. */
function yaml(text: string): string {
  return text.replace(/^\n/, '');
}

function problems(text: string): { line: number | null; message: string }[] {
  const result = parseRoutingRules(yaml(text), known);
  if (result.ok) throw new Error('expected the rules to be refused');
  return result.problems.map(({ line, message }) => ({ line, message }));
}

const GOOD = `
routeFrom: [Leads@x.com]
fallback: Everyone
pools:
  - name: DACH web
    match:
      - { field: country, in: [DE, AT, CH] }
      - { field: source, equals: web }
    members: [ana@x.com, bo@x.com]
    capacity: { perDay: 20 }
    slaMinutes: 30
  - name: Big
    match:
      - { field: employees, range: { min: 500 } }
    members: [cy@x.com]
    matchAccounts: true
  - name: Everyone
    members: rotation
`;

describe('parseRoutingRules', () => {
  it('reads a good file with its defaults filled in', () => {
    const result = parseRoutingRules(yaml(GOOD), known);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { rules } = result;
    expect(rules.routeFrom).toEqual(['leads@x.com']);
    expect(rules.fallback).toBe('Everyone');
    expect(rules.pools.map((p) => p.name)).toEqual(['DACH web', 'Big', 'Everyone']);
    expect(rules.pools[0]).toEqual({
      name: 'DACH web',
      match: [
        { field: 'country', op: 'in', values: ['DE', 'AT', 'CH'] },
        { field: 'source', op: 'equals', value: 'web' },
      ],
      members: ['ana@x.com', 'bo@x.com'],
      capacity: { perDay: 20, perWeek: null },
      period: 'month',
      catchUp: false,
      slaMinutes: 30,
      maxReroutes: 1,
      matchAccounts: false,
    });
    expect(rules.pools[1]?.match).toEqual([{ field: 'employees', op: 'range', min: 500, max: null }]);
    expect(rules.pools[2]?.members).toBe('rotation');
    expect(rules.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('versions the rules, not the bytes: comments, key order and member order keep the hash', () => {
    const a = parseRoutingRules(yaml(GOOD), known);
    const reordered = yaml(GOOD)
      .replace('members: [ana@x.com, bo@x.com]', 'members: [BO@x.com, ana@x.com] # two reps')
      .replace(
        'routeFrom: [Leads@x.com]\nfallback: Everyone',
        '# header\nfallback: Everyone\nrouteFrom: [leads@x.com]',
      );
    const b = parseRoutingRules(reordered, known);
    const changed = parseRoutingRules(yaml(GOOD).replace('perDay: 20', 'perDay: 21'), known);
    expect(a.ok && b.ok && changed.ok).toBe(true);
    if (!a.ok || !b.ok || !changed.ok) return;
    expect(b.rules.hash).toBe(a.rules.hash);
    expect(changed.rules.hash).not.toBe(a.rules.hash);
  });

  it('refuses unknown owners, in members and in routeFrom', () => {
    expect(
      problems(`
routeFrom: [nobody@x.com]
fallback: All
pools:
  - name: All
    members: [ana@x.com, dee@x.com]
`),
    ).toEqual([
      { line: 1, message: 'unknown owner nobody@x.com: no owner of this connection has that email' },
      { line: 5, message: 'unknown owner dee@x.com: no owner of this connection has that email' },
    ]);
  });

  it('refuses an empty pool and a member listed twice', () => {
    expect(
      problems(`
fallback: All
pools:
  - name: Web
    match: [{ field: source, equals: web }]
    members: []
  - name: All
    members:
      - ana@x.com
      - Ana@x.com
`),
    ).toEqual([
      { line: 5, message: 'pool "Web" has no members (list owner emails, or say rotation)' },
      { line: 9, message: 'ana@x.com is listed twice in pool "All"' },
    ]);
  });

  it('refuses a file without a fallback, with a fallback that is not last, and a fallback with conditions', () => {
    expect(problems('pools:\n  - name: All\n    members: rotation\n')).toEqual([
      {
        line: 1,
        message: 'no fallback: name the pool that takes every lead no other pool matches (fallback: NAME)',
      },
    ]);
    expect(
      problems(`
fallback: All
pools:
  - name: All
    match: [{ field: source, present: true }]
    members: rotation
  - name: Web
    match: [{ field: source, equals: web }]
    members: [ana@x.com]
`),
    ).toEqual([
      { line: 3, message: 'the fallback pool "All" must be the last pool' },
      { line: 4, message: 'the fallback pool "All" takes every lead; it has no match' },
      // `source present` is implied by `source equals web`: the shadow rule bites too.
      {
        line: 6,
        message:
          'pool "Web" can never match: pool "All" before it matches every lead it would (same or wider conditions on source)',
      },
    ]);
    expect(problems('fallback: Rest\npools:\n  - name: All\n    members: rotation\n')).toEqual([
      { line: 1, message: 'the fallback "Rest" is not one of the pools' },
    ]);
  });

  it('refuses a pool that earlier pools shadow completely, and keeps pools that overlap in part', () => {
    const shadowed = problems(`
fallback: All
pools:
  - name: Europe
    match: [{ field: country, in: [DE, FR, GB] }]
    members: [ana@x.com]
  - name: Germany web
    match: [{ field: country, equals: de }, { field: source, equals: web }]
    members: [bo@x.com]
  - name: Mid
    match: [{ field: score, range: { min: 10, max: 90 } }]
    members: [ana@x.com]
  - name: Narrow mid
    match: [{ field: score, range: { min: 20, max: 80 } }]
    members: [bo@x.com]
  - name: Catch all
    members: [cy@x.com]
  - name: Late
    match: [{ field: source, equals: ads }]
    members: [cy@x.com]
  - name: All
    members: rotation
`);
    expect(shadowed.map((p) => p.line)).toEqual([6, 12, 17, 20]);
    // Line 20 is the fallback: "Catch all" (no conditions) leaves it nothing either.
    expect(shadowed[0]?.message).toBe(
      'pool "Germany web" can never match: pool "Europe" before it matches every lead it would (same or wider conditions on country)',
    );
    expect(shadowed[2]?.message).toBe(
      'pool "Late" can never match: pool "Catch all" before it has no conditions and takes every lead',
    );
    // Partial overlaps are normal: a wider range after a narrower one, another field, a larger set.
    const overlapping = parseRoutingRules(
      yaml(`
fallback: All
pools:
  - name: Narrow
    match: [{ field: score, range: { min: 20, max: 80 } }]
    members: [ana@x.com]
  - name: Wide
    match: [{ field: score, range: { min: 10, max: 90 } }]
    members: [bo@x.com]
  - name: Germany
    match: [{ field: country, equals: DE }]
    members: [ana@x.com]
  - name: Europe
    match: [{ field: country, in: [DE, FR] }]
    members: [bo@x.com]
  - name: Web
    match: [{ field: source, equals: web }]
    members: [cy@x.com]
  - name: All
    members: rotation
`),
      known,
    );
    expect(overlapping.ok).toBe(true);
  });

  it('refuses a capacity of 0, which leaves every member capped', () => {
    expect(
      problems(`
fallback: All
pools:
  - name: All
    members: rotation
    capacity:
      perDay: 5
      perWeek: 0
`),
    ).toEqual([
      {
        line: 7,
        message: 'a capacity of 0 leaves no member of pool "All" able to take a lead; raise it or remove it',
      },
    ]);
  });

  it('refuses bad types and unknown keys, every one at its line, in one pass', () => {
    expect(
      problems(`
fallback: All
colour: blue
pools:
  - name: Web
    match:
      - { field: source, equals: web, in: [web] }
      - { field: score, range: { min: 90, max: 10 } }
    members: [ana@x.com]
  - name: All
    members: rotation
    capacity: { perDay: 2.5 }
    period: year
    slaMinutes: "30"
    catchup: true
`),
    ).toEqual([
      { line: 2, message: 'unknown key "colour"' },
      { line: 6, message: 'a condition needs exactly one of equals, in, range, present (found 2)' },
      { line: 7, message: 'min 90 is above max 10' },
      { line: 11, message: 'expected int, got number 2.5' },
      { line: 12, message: 'expected one of week, month, quarter, got string "year"' },
      { line: 13, message: 'expected number, got string "30"' },
      { line: 14, message: 'unknown key "catchup"' },
    ]);
  });

  it('refuses YAML it cannot read, at the line of the error', () => {
    // A key given twice is a YAML error (line 3: the second `fallback`).
    const result = parseRoutingRules('fallback: All\npools: []\nfallback: Rest\n', known);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.line).toBe(3);
  });
});

describe('parseRoutingRules: edges', () => {
  it('refuses a member who is also in routeFrom, and says what a value should have been', () => {
    expect(
      problems(`
routeFrom: [leads@x.com]
fallback: All
pools:
  - name: Never
    match: [{ field: source, equals: web }]
    members: everyone
  - name: All
    members: [ana@x.com, leads@x.com]
`),
    ).toEqual([
      { line: 6, message: 'expected a list of owner emails or the word rotation, got string "everyone"' },
      { line: 8, message: 'leads@x.com is in routeFrom: leads given to them count as unowned' },
    ]);
    expect(
      problems(
        'fallback: All\npools:\n  - name: All\n    match: [{ field: x, equals: ~ }]\n    members: rotation\n',
      ),
    ).toEqual([{ line: 4, message: 'expected text, a number or true/false, got null' }]);
  });

  it('refuses an empty file and a file that is not a mapping', () => {
    expect(parseRoutingRules('', known).ok).toBe(false);
    expect(problems('- a\n- b\n')).toEqual([{ line: 1, message: 'expected object, got a list' }]);
  });

  it('refuses a pool whose own conditions contradict each other', () => {
    expect(
      problems(`
fallback: All
pools:
  - name: Two countries
    match: [{ field: country, equals: DE }, { field: country, in: [FR, GB] }]
    members: [ana@x.com]
  - name: Disjoint
    match: [{ field: score, range: { max: 10 } }, { field: score, range: { min: 20 } }]
    members: [ana@x.com]
  - name: Absent yet set
    match: [{ field: phone, present: false }, { field: phone, equals: '1' }]
    members: [ana@x.com]
  - name: Fine
    match: [{ field: score, range: { min: 10 } }, { field: score, range: { max: 10 } }]
    members: [ana@x.com]
  - name: All
    members: rotation
`),
    ).toEqual([
      {
        line: 4,
        message: 'pool "Two countries" can never match: no value of country passes all its equals/in tests',
      },
      { line: 7, message: 'pool "Disjoint" can never match: the ranges on score do not overlap' },
      { line: 10, message: 'pool "Absent yet set" can never match: phone must be absent and have a value' },
    ]);
  });
});
