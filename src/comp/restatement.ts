import { daysInclusive } from '../calendar/periods.js';
import type { AdjustmentLine, CreditedDeal, StatementInputs } from './comp-model.js';
import { computeStatement } from './statement.js';

/**
 * Restatement and clawback (DESIGN §12). A closed statement never changes: when the warehouse
 * later says something else about its period, the difference in what the rep earned is posted,
 * as adjustment lines, into the rep's first open statement (the caller puts them there).
 *
 * The closed period keeps everything it was closed with but the deals: its plan version,
 * assignment, working days. Changes are applied one deal at a time, in the order they were seen
 * (then by deal id), and each line is the payout after that deal minus the payout before it — a
 * curve is not linear, so this is the only split of the difference that adds up exactly and
 * names each deal. A won deal lost or deleted within the plan's `lookbackDays` of its close date
 * is a `clawback`; outside it the sale stands and the deal is left as closed (in `standing`).
 * Any other change (re-dated, re-owned, amount, reopened) is a `restatement`. What is left after
 * the listed deals — a credit of a deal not listed, a changed quota or team quota — is one more
 * `restatement` line per deal, then one without a deal.
 */
/** One per deal: what the deal is now, against what the closed period counted. */
export interface DealChange {
  readonly dealId: string;
  /** `lost` / `deleted`: a won deal turned lost or was deleted; `changed`: anything else. */
  readonly kind: 'changed' | 'lost' | 'deleted';
  /** The close date the closed statement counted the deal on. */
  readonly closeDate: string;
  /** The local day the change was seen. */
  readonly changedOn: string;
  /** How much the change moved the credited closed-won of the rep's team in the closed period, in cents (0 when the rep has no team measure or the deal is another team's). */
  readonly teamDeltaCents: bigint;
}

export interface Restatement {
  readonly lines: readonly AdjustmentLine[];
  /** The closed period as restated: the base the next restatement of that period diffs against. */
  readonly restated: StatementInputs;
  /** Losses outside the lookback: the sale stands, nothing is reversed. */
  readonly standing: readonly DealChange[];
}

const earned = (inputs: StatementInputs): bigint =>
  computeStatement({ ...inputs, adjustments: [], drawBalanceCents: 0n }).componentCents.reduce(
    (a, b) => a + b,
    0n,
  );

function withCredit(inputs: StatementInputs, dealId: string, row: CreditedDeal | undefined): StatementInputs {
  const credits = inputs.credits.filter((c) => c.dealId !== dealId);
  return { ...inputs, credits: row ? [...credits, row] : credits };
}

function withTeamDelta(inputs: StatementInputs, delta: bigint): StatementInputs {
  if (delta === 0n || inputs.team === null) return inputs;
  return { ...inputs, team: { ...inputs.team, creditedCents: inputs.team.creditedCents + delta } };
}

const sameCredit = (a: CreditedDeal | undefined, b: CreditedDeal | undefined): boolean =>
  a?.amountCents === b?.amountCents && a?.share === b?.share && a?.closeDate === b?.closeDate;

export function restate(
  closed: StatementInputs,
  recomputed: Pick<StatementInputs, 'credits' | 'quotaCents' | 'team'>,
  changes: readonly DealChange[],
): Restatement {
  const lookback = closed.plan.clawbackLookbackDays;
  const period = closed.period.key;
  const target = new Map(recomputed.credits.map((c) => [c.dealId, c]));
  const lines: AdjustmentLine[] = [];
  const standing: DealChange[] = [];
  const done = new Set<string>();
  let state = closed;
  let before = earned(state);
  const post = (next: StatementInputs, line: Omit<AdjustmentLine, 'amountCents' | 'period'>) => {
    const after = earned(next);
    if (after !== before) lines.push({ ...line, period, amountCents: after - before });
    state = next;
    before = after;
  };
  const ordered = [...changes].sort((a, b) =>
    a.changedOn === b.changedOn ? (a.dealId < b.dealId ? -1 : 1) : a.changedOn < b.changedOn ? -1 : 1,
  );
  let standingTeamDelta = 0n;
  for (const change of ordered) {
    // Two changes of one deal would apply its current credit twice, the first time ignoring the lookback.
    if (done.has(change.dealId))
      throw new RangeError(`deal ${change.dealId} is listed twice; pass its change once`);
    done.add(change.dealId);
    const age = daysInclusive(change.closeDate, change.changedOn) - 1;
    if (change.kind !== 'changed') {
      if (lookback === null || age > lookback) {
        standing.push(change);
        standingTeamDelta += change.teamDeltaCents;
        continue;
      }
      const within = `within the ${lookback}-day lookback`;
      post(withTeamDelta(withCredit(state, change.dealId, undefined), change.teamDeltaCents), {
        kind: 'clawback',
        dealId: change.dealId,
        reason: `claws back deal ${change.dealId}: ${change.kind} on ${change.changedOn}, ${age} days after its close date ${change.closeDate} (${within}); corrects closed ${period}`,
      });
      continue;
    }
    post(withTeamDelta(withCredit(state, change.dealId, target.get(change.dealId)), change.teamDeltaCents), {
      kind: 'restatement',
      dealId: change.dealId,
      reason: `restates closed ${period}: deal ${change.dealId} changed in the CRM on ${change.changedOn}`,
    });
  }
  const ids = [...new Set([...state.credits.map((c) => c.dealId), ...target.keys()])].sort();
  for (const dealId of ids) {
    if (done.has(dealId)) continue;
    const now = state.credits.find((c) => c.dealId === dealId);
    if (sameCredit(now, target.get(dealId))) continue;
    post(withCredit(state, dealId, target.get(dealId)), {
      kind: 'restatement',
      dealId,
      reason: `restates closed ${period}: deal ${dealId}'s credit changed`,
    });
  }
  // A standing sale keeps counting for the team too, so its team delta is not applied.
  const team =
    recomputed.team === null
      ? null
      : { ...recomputed.team, creditedCents: recomputed.team.creditedCents - standingTeamDelta };
  post(
    { ...state, quotaCents: recomputed.quotaCents, team },
    {
      kind: 'restatement',
      dealId: null,
      reason: `restates closed ${period}: its quota or the team measure changed`,
    },
  );
  return { lines, restated: state, standing };
}
