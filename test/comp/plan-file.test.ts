import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlanFile } from '../../src/comp/plan-file.js';

/**
 * A plan file is refused whole, with every problem at its line and path. Line numbers are
 * counted by hand in each YAML text (line 1 is the first line after the template's newline).
 */
function yaml(text: string): string {
  return text.replace(/^\n/, '');
}

function problems(text: string): { line: number | null; path: string; message: string }[] {
  const result = parsePlanFile(yaml(text));
  if (result.ok) throw new Error('expected the plan to be refused');
  return result.problems;
}

const example = () => readFileSync(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url), 'utf8');

describe('parsePlanFile', () => {
  it('reads docs/examples/plan-75-25.yaml, the plan of DESIGN §12, with its defaults filled in', () => {
    const result = parsePlanFile(example());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { plan } = result;
    expect(plan).toMatchObject({
      name: 'AE 2027',
      currency: 'USD',
      payoutPeriod: 'quarter',
      targetIncentiveCents: 2_000_000n,
      clawbackLookbackDays: 90,
      drawCents: null,
    });
    expect(plan.components).toEqual([
      {
        kind: 'curve',
        name: 'individual',
        measure: 'attainment',
        weight: 0.75,
        threshold: 0.5,
        curve: [
          [0.5, 0.5],
          [1, 1],
          [1.5, 2],
        ],
        cap: 2.5,
      },
      // threshold defaults to the first point's x (0)
      {
        kind: 'curve',
        name: 'team',
        measure: 'team_attainment',
        weight: 0.25,
        threshold: 0,
        curve: [
          [0, 0],
          [1, 1],
        ],
        cap: 1.5,
      },
    ]);
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('versions the plan, not the bytes: comments and key order keep the hash, a changed cap does not', () => {
    const a = parsePlanFile(example());
    const b = parsePlanFile(
      example().replace(/#.*$/gm, '').replace('name: AE 2027\ncurrency: USD', 'currency: usd\nname: AE 2027'),
    );
    const c = parsePlanFile(example().replace('cap: 1.5', 'cap: 1.6'));
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(b.plan.hash).toBe(a.plan.hash);
    expect(c.plan.hash).not.toBe(a.plan.hash);
  });

  it('refuses weights that do not sum to 1, a decreasing curve, a negative cap and an unknown measure, each at its path', () => {
    expect(
      problems(`
name: Broken
currency: USD
payoutPeriod: quarter
targetIncentive: 20000
components:
  - name: individual
    weight: 0.7
    measure: attainment
    curve: [[0.5, 0.5], [1, 1], [1.5, 0.9]]
    cap: -1
  - name: team
    weight: 0.25
    measure: team_attainment
    curve: [[0, 0], [1, 1]]
  - name: revenue
    measure: revenue
`),
    ).toEqual([
      { line: 5, path: 'components', message: 'the weights sum to 0.95 (individual 0.7 + team 0.25), not 1' },
      {
        line: 9,
        path: 'components.0.curve.2',
        message: 'the curve decreases: multiplier 0.9 at 1.5 is below 1 at 1',
      },
      { line: 10, path: 'components.0.cap', message: 'must be 0 or more (a cap is the highest multiplier)' },
      {
        line: 16,
        path: 'components.2.measure',
        message: 'expected one of attainment, team_attainment, credited_amount, got string "revenue"',
      },
    ]);
  });

  it('refuses weights summing to 0.95 (checked exactly: 0.7 + 0.25, not in doubles)', () => {
    expect(
      problems(`
name: Short
currency: USD
payoutPeriod: month
targetIncentive: 5000
components:
  - { name: individual, weight: 0.7, measure: attainment, curve: [[0, 0], [1, 1]] }
  - { name: team, weight: 0.25, measure: team_attainment, curve: [[0, 0], [1, 1]] }
`),
    ).toEqual([
      { line: 5, path: 'components', message: 'the weights sum to 0.95 (individual 0.7 + team 0.25), not 1' },
    ]);
    // 0.1 + 0.2 + 0.7 is 1 exactly though 0.1 + 0.2 + 0.7 in doubles is 0.9999999999999999.
    const ok = parsePlanFile(
      yaml(`
name: Thirds
currency: USD
payoutPeriod: month
targetIncentive: 5000
components:
  - { name: a, weight: 0.1, measure: attainment, curve: [[0, 0], [1, 1]] }
  - { name: b, weight: 0.2, measure: attainment, curve: [[0, 0], [1, 1]] }
  - { name: c, weight: 0.7, measure: team_attainment, curve: [[0, 0], [1, 1]] }
`),
    );
    expect(ok.ok).toBe(true);
  });

  it('lists shape problems of the whole file at once', () => {
    expect(
      problems(`
name: Shapes
currency: dollars
payoutPeriod: week
targetIncentive: 100.005
components:
  - { name: a, weight: 1, measure: attainment, threshold: 0.2, curve: [[0.5, 0], [1, 1]], colour: red }
  - { name: c, measure: credited_amount, weight: 0.5, rates: [[100, 0.1], [50, 0.2]] }
`),
    ).toEqual([
      { line: 2, path: 'currency', message: 'must be a 3-letter ISO code such as USD' },
      { line: 3, path: 'payoutPeriod', message: 'expected one of month, quarter, got string "week"' },
      { line: 4, path: 'targetIncentive', message: 'has more than two decimals (cents)' },
      { line: 6, path: 'components.0.colour', message: 'unknown key "colour"' },
      {
        line: 6,
        path: 'components.0.threshold',
        message: "threshold 0.2 is below the curve's first point (0.5); the curve is not defined there",
      },
      {
        line: 7,
        path: 'components.1.weight',
        message: 'a credited_amount component is paid by its rates; it takes no weight',
      },
      { line: 7, path: 'components.1.rates.0', message: 'the first tier must start at 0, not 100' },
      {
        line: 7,
        path: 'components.1.rates.1',
        message: 'threshold 50 is not above the tier before it (100)',
      },
    ]);
  });

  it('claims no weight sum when a component cannot be read (a quoted weight is its own problem)', () => {
    expect(
      problems(`
name: Quoted
currency: USD
payoutPeriod: quarter
targetIncentive: 20000
components:
  - { name: individual, weight: "0.75", measure: attainment, curve: [[0, 0], [1, 1]] }
  - { name: team, weight: 0.25, measure: team_attainment, curve: [[0, 0], [1, 1]] }
`),
    ).toEqual([{ line: 6, path: 'components.0.weight', message: 'expected number, got string "0.75"' }]);
  });

  it('names a YAML syntax error by its line', () => {
    const found = problems(`
name: Bad
components: [
`);
    expect(found).toHaveLength(1);
    expect(found[0]?.line).toBe(3);
  });
});
