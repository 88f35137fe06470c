import { describe, expect, it } from 'vitest';
import { groupOffRotation, LEAD_IDS_NAMED, type LeadFlag } from '../../src/metrics/lead-audit.js';

const OUTSIDE = 'is outside the rotation (not an active rep)';

/** `count` leads for one owner, 7 hours apart from 2026-07-01 12:00 UTC (days in UTC). */
function leads(owner: string, count: number, firstId: number): LeadFlag[] {
  return Array.from({ length: count }, (_, i) => {
    const assignedAt = new Date(Date.UTC(2026, 6, 1, 12) + i * 7 * 3_600_000);
    const day = assignedAt.toISOString().slice(0, 10);
    return {
      leadId: `L${firstId + i}`,
      ownerId: owner,
      ownerEmail: `${owner}@acme.example`,
      assignedAt,
      day,
      why: OUTSIDE,
      reason: `lead L${firstId + i} …`,
    };
  });
}

describe('off-rotation leads', () => {
  it('make one flag per owner however many leads they received', () => {
    // The review's case: 120 leads to three owners outside the rotation (100 + 19 + 1).
    const flags = groupOffRotation([
      ...leads('hugo', 19, 200),
      ...leads('ivan', 100, 1),
      ...leads('jo', 1, 500),
    ]);
    expect(flags.map((f) => [f.ownerEmail, f.leadIds.length])).toEqual([
      ['ivan@acme.example', 100],
      ['hugo@acme.example', 19],
      ['jo@acme.example', 1],
    ]);
    const ivan = flags[0]!;
    // Every id stays available to a script; the sentence names the first five and counts the rest.
    expect(ivan.leadIds).toEqual(Array.from({ length: 100 }, (_, i) => `L${i + 1}`));
    expect(LEAD_IDS_NAMED).toBe(5);
    expect(ivan.reason).toBe(
      // The 100th lead comes 99 × 7 h = 28 days 21 hours after the first: 2026-07-30 09:00.
      `ivan@acme.example ${OUTSIDE} but received 100 leads between 2026-07-01 and 2026-07-30: L1, L2, L3, L4, L5 and 95 more (all in --csv)`,
    );
    expect(flags[2]!.reason).toBe(`jo@acme.example ${OUTSIDE} but received 1 lead on 2026-07-01: L500`);
  });

  it('names the leads in the order they were assigned', () => {
    const [flag] = groupOffRotation(leads('hugo', 3, 10).reverse());
    expect(flag?.leadIds).toEqual(['L10', 'L11', 'L12']);
    expect(flag?.firstDay).toBe('2026-07-01');
    // 12:00, 19:00, then 02:00 the next day.
    expect(flag?.lastDay).toBe('2026-07-02');
  });
});
