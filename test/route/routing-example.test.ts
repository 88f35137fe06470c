import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conditionImplies } from '../../src/route/pool-match.js';
import type { MatchCondition } from '../../src/route/routing-model.js';
import { parseRoutingRules } from '../../src/route/routing-rules.js';

/** docs/routing.md's example file and its claims about shadowing, checked. */
describe('docs/routing.md', () => {
  it('the example routing.yaml is accepted', () => {
    const text = readFileSync(new URL('../../docs/examples/routing.yaml', import.meta.url), 'utf8');
    const owners = ['integration', 'ana', 'bo', 'cy', 'dee', 'eve'].map((n) => `${n}@acme.example`);
    const result = parseRoutingRules(text, { ownerEmails: new Set(owners) });
    expect(result.ok ? result.rules.pools.map((p) => p.name) : result.problems).toEqual([
      'DACH web',
      'DACH',
      'Enterprise',
      'Everyone',
    ]);
  });

  const f = 'x';
  const eq = (value: string | number): MatchCondition => ({ field: f, op: 'equals', value });
  const within = (values: (string | number)[]): MatchCondition => ({ field: f, op: 'in', values });
  const range = (min: number | null, max: number | null): MatchCondition => ({
    field: f,
    op: 'range',
    min,
    max,
  });
  const present: MatchCondition = { field: f, op: 'present', present: true };
  it.each([
    ['equals DE ⇒ in [DE, FR]', eq('DE'), within(['DE', 'FR']), true],
    ['in [DE] ⇒ equals DE', within(['de']), eq('DE'), true],
    ['in [DE, AT] ⇒ in [DE, AT, CH]', within(['DE', 'AT']), within(['DE', 'AT', 'CH']), true],
    ['range 20–80 ⇒ range 10–90', range(20, 80), range(10, 90), true],
    ['equals 50 ⇒ range min 10', eq(50), range(10, null), true],
    ['range ⇒ present', range(1, 2), present, true],
    ['in [DE, FR] ⇏ equals DE', within(['DE', 'FR']), eq('DE'), false],
    ['range 10–90 ⇏ range 20–80', range(10, 90), range(20, 80), false],
    ['range min 10 ⇏ range 10–90', range(10, null), range(10, 90), false],
    ['present ⇏ equals DE', present, eq('DE'), false],
  ])('%s', (_name, b, a, implied) => {
    expect(conditionImplies(b, a)).toBe(implied);
  });
});
