import { readFileSync } from 'node:fs';
import type { CompPlan, CreditedDeal, StatementInputs } from '../../src/comp/comp-model.js';
import { parsePlanFile } from '../../src/comp/plan-file.js';

/** The §12 plan, read from the file the user's guide shows (docs/examples/plan-75-25.yaml). */
export function plan7525(): CompPlan {
  const parsed = parsePlanFile(
    readFileSync(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url), 'utf8'),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.plan;
}

export function planFrom(text: string): CompPlan {
  const parsed = parsePlanFile(text.replace(/^\n/, ''));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.plan;
}

export const Q1_2027 = { key: '2027-Q1', start: '2027-01-01', end: '2027-03-31' } as const;

export function deal(dealId: string, amount: number, share = 1, closeDate = '2027-02-15'): CreditedDeal {
  return { dealId, name: `Deal ${dealId}`, closeDate, amountCents: BigInt(Math.round(amount * 100)), share };
}

/** A full-quarter rep on `plan` with the given credits, quota and team; override anything. */
export function inputs(plan: CompPlan, over: Partial<StatementInputs> = {}): StatementInputs {
  return {
    ownerEmail: 'ana@acme.example',
    plan,
    assignment: {
      ownerEmail: 'ana@acme.example',
      plan: plan.name,
      start: Q1_2027.start,
      end: Q1_2027.end,
      targetIncentiveCents: null,
      drawCents: null,
    },
    period: Q1_2027,
    workingDays: { assigned: 64, period: 64 },
    credits: [],
    quotaCents: 10_000_000n,
    team: null,
    adjustments: [],
    drawBalanceCents: 0n,
    ...over,
  };
}

export function team(credited: number, quota: number, name = 'East'): StatementInputs['team'] {
  return {
    name,
    creditedCents: BigInt(Math.round(credited * 100)),
    quotaCents: BigInt(Math.round(quota * 100)),
    explicitQuota: false,
  };
}
