import { createHash } from 'node:crypto';
import { roundRatio } from '../reports/rounding.js';
import type {
  AdjustmentLine,
  ComponentLine,
  RepStatement,
  StatementInputs,
  StatementsDocument,
} from './comp-model.js';
import { componentPayout } from './component-payout.js';
import { applyDraw } from './draw.js';
import {
  centsToNumber,
  type Fraction,
  fraction,
  fromNumber,
  mul,
  roundToCents,
  sum,
  toNumber,
  ZERO,
} from './exact.js';
import { canonicalJson } from './plan-file.js';

/**
 * One rep's statement for one payout period (DESIGN §12, the §7 `comp statements` entry), from
 * its inputs alone: every component rounded to cents once, the total the sum of the rounded
 * components and the adjustment lines (so a statement always adds up), the draw applied last on
 * what was earned. `inputsHash` is the sha256 of the inputs (the plan by its hash), so two
 * statements with the same hash are the same statement, and "why did my payout change?" is the
 * diff of two inputs.
 */
export interface ComputedStatement {
  readonly statement: RepStatement;
  /** Each component's payout, in plan order. */
  readonly componentCents: readonly bigint[];
  /** Components + manual, restatement and clawback lines, before the draw. */
  readonly earnedCents: bigint;
  readonly totalCents: bigint;
  /** Draw owed after this statement (0 without a draw). */
  readonly drawBalanceCents: bigint;
}

/**
 * Σ amount × share, exact (a split may leave a fraction of a cent). Amounts are summed per
 * distinct share first, so a quarter of deals costs bigint additions, not fraction arithmetic.
 */
export function creditedCents(credits: StatementInputs['credits']): Fraction {
  const byShare = new Map<number, bigint>();
  for (const c of credits) byShare.set(c.share, (byShare.get(c.share) ?? 0n) + c.amountCents);
  return sum([...byShare].map(([share, amount]) => mul(fraction(amount), fromNumber(share))));
}

const byDealId = (a: { dealId: string }, b: { dealId: string }): number =>
  a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0;

/**
 * sha256 of the inputs: canonical JSON (sorted keys) of everything but the credits, which, being
 * most of the bytes, are written as fixed-order tuples sorted by deal id (the same canonical
 * form, without a key sort per deal).
 */
export function inputsHash(inputs: StatementInputs): string {
  const { plan, credits, ...rest } = inputs;
  const hash = createHash('sha256');
  hash.update(canonicalJson({ ...rest, plan: { name: plan.name, hash: plan.hash } }));
  for (const c of [...credits].sort(byDealId)) {
    hash.update(JSON.stringify([c.dealId, c.name, c.closeDate, String(c.amountCents), c.share]));
  }
  return hash.digest('hex');
}

/** An exact amount of cents as a JSON number of currency units, to the cent. */
const money = (centsValue: Fraction): number =>
  centsToNumber(roundToCents(mul(centsValue, fraction(1n, 100n))));

const ratio = (value: Fraction | null): number | null =>
  value === null ? null : roundRatio(toNumber(value));

export function computeStatement(inputs: StatementInputs): ComputedStatement {
  const { plan, assignment } = inputs;
  const targetIncentiveCents = assignment.targetIncentiveCents ?? plan.targetIncentiveCents;
  const days = inputs.workingDays;
  const prorate = days.period === 0 ? ZERO : fraction(BigInt(days.assigned), BigInt(days.period));
  const repCredited = creditedCents(inputs.credits);
  const componentCents: bigint[] = [];
  const components: ComponentLine[] = plan.components.map((component) => {
    const team = component.measure === 'team_attainment' ? inputs.team : null;
    const credited =
      component.measure === 'team_attainment' ? fraction(team?.creditedCents ?? 0n) : repCredited;
    const quotaCents =
      component.measure === 'team_attainment' ? (team?.quotaCents ?? null) : inputs.quotaCents;
    const result = componentPayout(component, { targetIncentiveCents, prorate, credited, quotaCents });
    componentCents.push(result.payoutCents);
    return {
      name: component.name,
      measure: component.measure,
      value: component.kind === 'commission' ? money(credited) : ratio(result.measure),
      multiplier: ratio(result.multiplier),
      payout: centsToNumber(result.payoutCents),
      credited: money(credited),
      quota: component.kind === 'commission' || quotaCents === null ? null : centsToNumber(quotaCents),
      team: team?.name ?? null,
    };
  });
  const lines: AdjustmentLine[] = [...inputs.adjustments];
  const earnedCents = [...componentCents, ...lines.map((l) => l.amountCents)].reduce((a, b) => a + b, 0n);
  const drawCents = assignment.drawCents ?? plan.drawCents;
  let drawBalanceCents = inputs.drawBalanceCents;
  if (drawCents !== null) {
    const draw = applyDraw(earnedCents, drawCents, inputs.drawBalanceCents);
    drawBalanceCents = draw.balanceCents;
    if (draw.paidCents > 0n) {
      lines.push({
        kind: 'draw',
        dealId: null,
        period: inputs.period.key,
        amountCents: draw.paidCents,
        reason: `recoverable draw: earned ${centsToNumber(earnedCents)} of the ${centsToNumber(drawCents)} draw`,
      });
    }
    if (draw.recoveredCents > 0n) {
      lines.push({
        kind: 'draw_recovery',
        dealId: null,
        period: inputs.period.key,
        amountCents: -draw.recoveredCents,
        reason: `recovers draw paid earlier (owed ${centsToNumber(inputs.drawBalanceCents)} before this period)`,
      });
    }
  }
  const totalCents = [...componentCents, ...lines.map((l) => l.amountCents)].reduce((a, b) => a + b, 0n);
  const statement: RepStatement = {
    ownerEmail: inputs.ownerEmail,
    period: { key: inputs.period.key, start: inputs.period.start, end: inputs.period.end },
    plan: { name: plan.name, hash: plan.hash },
    targetIncentive: centsToNumber(targetIncentiveCents),
    prorate: ratio(prorate) as number,
    workingDays: { assigned: days.assigned, period: days.period },
    components,
    adjustments: lines.map((l) => ({
      kind: l.kind,
      dealId: l.dealId,
      period: l.period,
      amount: centsToNumber(l.amountCents),
      reason: l.reason,
    })),
    total: centsToNumber(totalCents),
    drawBalance: drawCents === null ? null : centsToNumber(drawBalanceCents),
    credits: [...inputs.credits]
      .sort((a, b) => (a.closeDate === b.closeDate ? byDealId(a, b) : a.closeDate < b.closeDate ? -1 : 1))
      .map((c) => ({
        dealId: c.dealId,
        name: c.name,
        closeDate: c.closeDate,
        amount: centsToNumber(c.amountCents),
        share: c.share,
      })),
    inputsHash: inputsHash(inputs),
  };
  return { statement, componentCents, earnedCents, totalCents, drawBalanceCents };
}

export function statementsDocument(
  period: { readonly start: string; readonly end: string },
  currency: string,
  closed: boolean,
  statements: readonly RepStatement[],
): StatementsDocument {
  return { period: { start: period.start, end: period.end }, currency, closed, statements };
}
