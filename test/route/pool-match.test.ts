import { describe, expect, it } from 'vitest';
import { conditionHolds, matchPool } from '../../src/route/pool-match.js';
import type { RoutableLead } from '../../src/route/routing-model.js';
import { parseRoutingRules } from '../../src/route/routing-rules.js';

const known = { ownerEmails: new Set(['ana@x.com', 'bo@x.com', 'cy@x.com']) };

function lead(fields: RoutableLead['fields']): RoutableLead {
  return { externalId: 'L1', createdAt: new Date('2026-12-01T10:00:00Z'), email: null, fields };
}

const parsed = parseRoutingRules(
  `fallback: Everyone
pools:
  - name: DACH web
    match:
      - { field: country, in: [DE, AT, CH] }
      - { field: source, equals: web }
    members: [ana@x.com]
  - name: DACH
    match:
      - { field: country, in: [DE, AT, CH] }
    members: [bo@x.com]
  - name: Big
    match:
      - { field: employees, range: { min: 500 } }
    members: [cy@x.com]
  - name: Phone
    match:
      - { field: phone, present: true }
    members: [cy@x.com]
  - name: Everyone
    members: rotation
`,
  known,
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const rules = parsed.rules;

describe('matchPool: first pool whose conditions all hold, else the fallback', () => {
  // Each expectation is read off the rules above by hand.
  it.each([
    [{ country: 'DE', source: 'web' }, 'DACH web'],
    [{ country: ' germany', source: 'web' }, 'Everyone'], // "germany" is not in [DE, AT, CH]
    [{ country: 'de ', source: 'WEB' }, 'DACH web'], // case and edge spaces do not matter
    [{ country: 'CH', source: 'ads' }, 'DACH'], // country only: the second pool
    [{ country: 'FR', source: 'web', employees: 500 }, 'Big'], // range min is inclusive
    [{ country: 'FR', employees: '1200' }, 'Big'], // a numeric string is a number
    [{ country: 'FR', employees: 499 }, 'Everyone'],
    [{ country: 'FR', employees: 'many' }, 'Everyone'], // not a number: the range fails
    [{ phone: '+49 30 1234' }, 'Phone'],
    [{ phone: '  ' }, 'Everyone'], // blank is absent
    [{ country: null, source: null }, 'Everyone'],
    [{}, 'Everyone'],
  ])('%j → %s', (fields, pool) => {
    expect(matchPool(rules, lead(fields)).name).toBe(pool);
  });
});

describe('conditionHolds', () => {
  it('equals compares numbers with numbers and booleans with booleans or their words', () => {
    expect(conditionHolds({ field: 'score', op: 'equals', value: 7 }, lead({ score: '7' }))).toBe(true);
    expect(conditionHolds({ field: 'score', op: 'equals', value: 7 }, lead({ score: 7.5 }))).toBe(false);
    expect(conditionHolds({ field: 'vip', op: 'equals', value: true }, lead({ vip: 'TRUE' }))).toBe(true);
    expect(conditionHolds({ field: 'vip', op: 'equals', value: true }, lead({ vip: false }))).toBe(false);
  });

  it('range bounds are inclusive at both ends; present: false holds for a missing field', () => {
    const range = { field: 'score', op: 'range', min: 10, max: 20 } as const;
    expect([9, 10, 20, 21].map((score) => conditionHolds(range, lead({ score })))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(conditionHolds({ field: 'phone', op: 'present', present: false }, lead({}))).toBe(true);
  });
});
