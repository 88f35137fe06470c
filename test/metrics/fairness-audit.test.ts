import { describe, expect, it } from 'vitest';
import { type AuditRepInput, auditDistribution, type LeadCell } from '../../src/metrics/fairness-audit.js';
import { gini } from '../../src/metrics/fairness-stats.js';
import type { QualityTier } from '../../src/metrics/lead-quality.js';

const DAYS = Array.from({ length: 10 }, (_, i) => `2026-07-${String(i + 1).padStart(2, '0')}`);

function rep(id: string, weights: readonly number[] | null = DAYS.map(() => 1)): AuditRepInput {
  return { ownerId: id, ownerEmail: `${id}@example.com`, ownerName: id.toUpperCase(), weights };
}

/** counts[rep][day] leads of one tier. */
function cells(counts: Record<string, readonly number[]>, tier: QualityTier = 'unknown'): LeadCell[] {
  return Object.entries(counts).flatMap(([ownerId, perDay]) =>
    perDay.flatMap((count, day) => (count > 0 ? [{ ownerId, day, tier, count }] : [])),
  );
}

const every = (n: number): number[] => DAYS.map(() => n);

/** Seeded PRNG (mulberry32) so "random" assignments are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Assigns `perDay` leads each day at random with the given odds per rep. */
function randomCells(
  ids: readonly string[],
  odds: readonly number[],
  perDay: number,
  seed: number,
): LeadCell[] {
  const random = mulberry32(seed);
  const total = odds.reduce((a, b) => a + b, 0);
  const out: LeadCell[] = [];
  DAYS.forEach((_, day) => {
    const counts = ids.map(() => 0);
    for (let i = 0; i < perDay; i++) {
      let r = random() * total;
      let k = 0;
      while (r >= odds[k]! && k < odds.length - 1) r -= odds[k++]!;
      counts[k]! += 1;
    }
    counts.forEach((count, k) => {
      if (count > 0) out.push({ ownerId: ids[k]!, day, tier: 'unknown', count });
    });
  });
  return out;
}

const byId = (audit: ReturnType<typeof auditDistribution>, id: string) =>
  audit.reps.find((r) => r.ownerId === id)!;

describe('auditDistribution', () => {
  it('equal counts: Gini 0, Jain 1, CV 0, χ² 0, nobody flagged', () => {
    // 4 reps × 5 leads a day × 10 days: 50 each, expected 200 × ¼ = 50 each.
    const audit = auditDistribution({
      days: DAYS,
      reps: ['a', 'b', 'c', 'd'].map((id) => rep(id)),
      cells: cells({ a: every(5), b: every(5), c: every(5), d: every(5) }),
    });
    expect(audit.totalLeads).toBe(200);
    expect(audit.gini).toBe(0);
    expect(audit.jain).toBe(1);
    expect(audit.cv).toBe(0);
    expect(audit.maxMinRatio).toBe(1);
    expect(audit.chiSquare).toEqual({ statistic: 0, dof: 3, pValue: 1 });
    expect(audit.reps.map((r) => r.expected)).toEqual([50, 50, 50, 50]);
    expect(audit.flags).toEqual([]);
  });

  it('all leads to one of four: Gini 3/4, Jain 1/4, everyone flagged', () => {
    // ratios (4, 0, 0, 0): Gini (n−1)/n = 0.75, Jain 1/n = 0.25.
    // χ² = (100−25)²/25 + 3 × (0−25)²/25 = 225 + 75 = 300 with 3 dof.
    const audit = auditDistribution({
      days: DAYS,
      reps: ['a', 'b', 'c', 'd'].map((id) => rep(id)),
      cells: cells({ a: every(10) }),
    });
    expect(audit.gini).toBeCloseTo(0.75, 12);
    expect(audit.jain).toBeCloseTo(0.25, 12);
    expect(audit.maxMinRatio).toBeNull();
    expect(audit.chiSquare.statistic).toBeCloseTo(300, 10);
    expect(audit.chiSquare.dof).toBe(3);
    expect(audit.chiSquare.pValue).toBeLessThan(1e-50);
    expect(audit.reps).toHaveLength(4);
    expect(audit.flags.map((f) => [f.ownerId, f.direction])).toEqual(
      expect.arrayContaining([
        ['a', 'more'],
        ['b', 'fewer'],
        ['c', 'fewer'],
        ['d', 'fewer'],
      ]),
    );
    // P(X = 0 | 100, ¼) = 0.75¹⁰⁰ ≈ 3.2e-13 is the lower tail of b's test.
    expect(audit.flags.find((f) => f.ownerId === 'b')!.pValue).toBeGreaterThan(0.75 ** 100);
    expect(audit.flags[0]!.reason).toMatch(/received 100, expected 25\.0 \(4\.00× the fair share\)/);
  });

  it('weighted capacity: a 2:1:1 split that follows the weights is fair', () => {
    // 40 leads a day × 10 days; weights 2, 1, 1 → expected 400 × ½ = 200, 100, 100.
    const audit = auditDistribution({
      days: DAYS,
      reps: [rep('a', every(2)), rep('b'), rep('c')],
      cells: cells({ a: every(20), b: every(10), c: every(10) }),
    });
    expect(audit.reps.map((r) => r.expected)).toEqual([200, 100, 100]);
    expect(audit.gini).toBe(0);
    expect(audit.jain).toBe(1);
    expect(audit.flags).toEqual([]);
    // On raw counts it would look unfair: sorted 100, 100, 200 → (−2·100 + 0 + 2·200)/(3·400) = 1/6.
    expect(gini([200, 100, 100])).toBeCloseTo(1 / 6, 12);
  });

  it('a rep away half the period is expected to get leads only while available', () => {
    // 30 leads a day. Days 1–5: a, b, c share → 10 each; days 6–10: c away → a, b 15 each.
    // expected a = b = 5·10 + 5·15 = 125, c = 5·10 = 50.
    const half = DAYS.map((_, d) => (d < 5 ? 1 : 0));
    const firstHalf = DAYS.map((_, d) => (d < 5 ? 10 : 0));
    const audit = auditDistribution({
      days: DAYS,
      reps: [rep('a'), rep('b'), rep('c', half)],
      cells: cells({
        a: DAYS.map((_, d) => (d < 5 ? 10 : 15)),
        b: DAYS.map((_, d) => (d < 5 ? 10 : 15)),
        c: firstHalf,
      }),
    });
    expect(audit.reps.map((r) => r.expected)).toEqual([125, 125, 50]);
    expect(audit.gini).toBe(0);
    expect(audit.flags).toEqual([]);
    expect(audit.offRotation).toEqual([]);
  });

  it('a strict round robin (±1 per cycle) is not flagged', () => {
    // 23 leads a day round the 7 reps, continuing across days: 230 = 32·7 + 6, so six reps
    // get 33 and one 32, against 230/7 = 32.86 expected each.
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const counts: Record<string, number[]> = Object.fromEntries(ids.map((id) => [id, every(0)]));
    let next = 0;
    DAYS.forEach((_, day) => {
      for (let i = 0; i < 23; i++) counts[ids[next++ % 7]!]![day]! += 1;
    });
    const audit = auditDistribution({ days: DAYS, reps: ids.map((id) => rep(id)), cells: cells(counts) });
    expect(audit.reps.map((r) => r.received).sort()).toEqual([32, 33, 33, 33, 33, 33, 33]);
    expect(audit.flags).toEqual([]);
    expect(audit.chiSquare.pValue).toBeGreaterThan(0.99);
    expect(audit.gini).toBeLessThan(0.01);
  });

  it('flags a planted 1.8× favourite but not a fair random split of the same size (seeded)', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const reps = ids.map((id) => rep(id));
    // 100 leads a day for 10 days; r0 has 1.8× the odds of each other rep, so it expects
    // 1000 × 1.8/10.8 ≈ 167 against a fair share of 100.
    const planted = auditDistribution({
      days: DAYS,
      reps,
      cells: randomCells(ids, [1.8, 1, 1, 1, 1, 1, 1, 1, 1, 1], 100, 42),
    });
    // The favourite is the strongest flag; the leads it took come out of the others' shares,
    // so a rep that happened to lose many of them may be flagged "fewer" too (r7 with seed 42).
    expect(planted.flags[0]).toMatchObject({ ownerId: 'r0', direction: 'more' });
    expect(planted.flags.slice(1).every((f) => f.direction === 'fewer')).toBe(true);
    expect(byId(planted, 'r0').received).toBeGreaterThan(140); // 148 with seed 42 vs a fair 100
    expect(planted.flags[0]!.qValue).toBeLessThan(1e-3);

    const fair = auditDistribution({
      days: DAYS,
      reps,
      cells: randomCells(
        ids,
        ids.map(() => 1),
        100,
        42,
      ),
    });
    expect(fair.totalLeads).toBe(1000);
    expect(fair.flags).toEqual([]);
    expect(fair.chiSquare.pValue).toBeGreaterThan(0.05);
  });

  it('does not test reps expected to get fewer than 5 leads', () => {
    // 12 leads over 4 reps: 3 expected each; everything to one rep is still unflaggable.
    const audit = auditDistribution({
      days: DAYS.slice(0, 1),
      reps: ['a', 'b', 'c', 'd'].map((id) => rep(id, [1])),
      cells: [{ ownerId: 'a', day: 0, tier: 'unknown', count: 12 }],
    });
    expect(audit.testedReps).toBe(0);
    expect(audit.flags).toEqual([]);
    expect(audit.gini).toBeCloseTo(0.75, 12);
  });

  it('detects a cherry-picked quality split that counts alone would miss', () => {
    // 4 reps, 10 leads a day each (100 each, fair by count). Rep a gets 60 high, 30 medium,
    // 10 low; b, c, d get 20 / 40 / 40. Column totals 120 / 150 / 130 of 400, so expected cells
    // are 30 / 37.5 / 32.5 per rep:
    //   a: 900/30 + 56.25/37.5 + 506.25/32.5 = 30 + 1.5 + 15.5769 = 47.0769
    //   b, c, d: 100/30 + 6.25/37.5 + 56.25/32.5 = 3.3333 + 0.1667 + 1.7308 = 5.2308 each
    //   χ² = 47.0769 + 3 × 5.2308 = 62.769 with (4−1)(3−1) = 6 dof.
    const split = (high: number, medium: number, low: number): LeadCell[] =>
      DAYS.flatMap((_, day) => {
        const perDay = (n: number) => n / 10;
        return [
          { ownerId: '', day, tier: 'high' as const, count: perDay(high) },
          { ownerId: '', day, tier: 'medium' as const, count: perDay(medium) },
          { ownerId: '', day, tier: 'low' as const, count: perDay(low) },
        ];
      });
    const input = [
      ...split(60, 30, 10).map((c) => ({ ...c, ownerId: 'a' })),
      ...['b', 'c', 'd'].flatMap((id) => split(20, 40, 40).map((c) => ({ ...c, ownerId: id }))),
    ];
    const audit = auditDistribution({
      days: DAYS,
      reps: ['a', 'b', 'c', 'd'].map((id) => rep(id)),
      cells: input,
    });
    expect(audit.gini).toBe(0);
    expect(audit.flags).toEqual([]);
    expect(audit.cherryPicking.statistic).toBeCloseTo(62.769, 3);
    expect(audit.cherryPicking.dof).toBe(6);
    expect(audit.cherryPicking.pValue).toBeLessThan(1e-10);
    // Quality-weighted: a = 60·3 + 30·2 + 10·1 = 250, others 20·3 + 40·2 + 40 = 180; total 790,
    // expected 197.5 each. Ratios 1.2658, 0.9114 ×3 → Gini = 3·(1.2658 − 0.9114)/(2·4·4)·… :
    // sorted Σ(2i−n−1)x = (−3−1+1)·0.9114 + 3·1.2658 = 1.0633; / (4 · 4) = 0.06646.
    expect(byId(audit, 'a').avgQuality).toBeCloseTo(2.5, 12);
    expect(byId(audit, 'b').avgQuality).toBeCloseTo(1.8, 12);
    expect(audit.qualityWeighted.gini).toBeCloseTo(0.06646, 4);
    // Scaled by Σq/Σq² = 790 / (120·9 + 150·4 + 130·1) = 790/1810:
    // raw Σ(o−e)²/e = (52.5² + 3·17.5²)/197.5 = 3675/197.5 = 18.6076 → 8.1215 with 3 dof.
    expect(audit.qualityWeighted.chiSquare.statistic).toBeCloseTo(8.1215, 3);
    expect(audit.qualityWeighted.chiSquare.pValue).toBeLessThan(0.05);
  });

  it('lists reps outside the rotation with their off-rotation leads and keeps them out of the measures', () => {
    // z has weight 0 (or no settings): its 7 leads are flagged one by one, not measured.
    const audit = auditDistribution({
      days: DAYS,
      reps: [rep('a'), rep('b'), rep('z', null)],
      cells: [...cells({ a: every(5), b: every(5) }), { ownerId: 'z', day: 3, tier: 'high', count: 7 }],
    });
    expect(audit.totalLeads).toBe(107);
    expect(audit.measuredLeads).toBe(100);
    expect(audit.gini).toBe(0);
    expect(byId(audit, 'z')).toMatchObject({
      inRotation: false,
      received: 7,
      expected: 0,
      offRotationLeads: 7,
    });
    expect(audit.offRotation).toEqual([{ ownerId: 'z', day: 3 }]);
  });
});
