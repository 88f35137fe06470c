import type { Db } from '../db.js';
import type { CreditRow } from '../warehouse/comp-inputs.js';
import { toCents } from '../warehouse/money.js';
import { primaryTeamsOn } from '../warehouse/team-memberships.js';
import type { CompPlan, CreditedDeal, StatementInputs, TeamMeasure } from './comp-model.js';
import { fraction, mul, roundToCents } from './exact.js';
import { canonicalJson, parsePlanFile } from './plan-file.js';
import { creditedCents } from './statement.js';

/**
 * Turning warehouse rows into the core's inputs, shared by the comp step (open periods) and the
 * restatement of closed ones, so both read a period the same way.
 */
/** Signed decimal text (an adjustment, a draw balance) to cents; warehouse/money.ts reads only amounts ≥ 0. */
export function signedCents(amount: string): bigint {
  const text = amount.trim();
  const negative = text.startsWith('-');
  const value = toCents(negative ? text.slice(1) : text) ?? 0n;
  return negative ? -value : value;
}

export const cents = (amount: string | null): bigint | null => (amount === null ? null : toCents(amount));

export function creditOf(row: CreditRow): CreditedDeal {
  return {
    dealId: row.deal_id,
    name: row.name ?? row.deal_id,
    closeDate: row.close_date,
    amountCents: toCents(row.amount) ?? 0n,
    share: row.percent === null ? 1 : Number(row.percent) / 100,
  };
}

export function parsedPlan(yaml: string, name: string): CompPlan {
  const parsed = parsePlanFile(yaml);
  // A stored plan was valid when added; a plan-file rule tightened since then must not pay silently.
  if (!parsed.ok)
    throw new Error(`stored comp plan ${name} no longer validates: ${parsed.problems[0]?.message}`);
  return parsed.plan;
}

/**
 * The team measure of the rep's primary team on `day` (DESIGN §12): Σ credited of the team's
 * members on that day over the explicit team quota where one exists, else Σ of their quotas.
 */
export async function teamMeasure(
  db: Db,
  connectionId: number,
  ownerId: string,
  day: string,
  known: {
    readonly byOwner: ReadonlyMap<string, readonly CreditedDeal[]>;
    readonly quotas: {
      readonly byOwner: ReadonlyMap<string, string>;
      readonly byTeam: ReadonlyMap<string, string>;
    };
    readonly teamNames: ReadonlyMap<string, string>;
  },
): Promise<TeamWithDeals> {
  const candidates = new Set([ownerId, ...known.byOwner.keys(), ...known.quotas.byOwner.keys()]);
  const teams = await primaryTeamsOn(db, connectionId, day, [...candidates]);
  const teamId = teams.get(ownerId);
  if (teamId === undefined) return { measure: null, deals: new Map() };
  const members = [...teams].filter(([, t]) => t === teamId).map(([owner]) => owner);
  // creditedCents is exact cents (a split may leave a fraction); roundToCents takes currency units.
  const memberCredits = members.flatMap((m) => known.byOwner.get(m) ?? []);
  const exact = creditedCents(memberCredits);
  const deals = new Map<string, bigint>();
  for (const credit of memberCredits)
    deals.set(
      credit.dealId,
      (deals.get(credit.dealId) ?? 0n) + roundToCents(mul(creditedCents([credit]), fraction(1n, 100n))),
    );
  const credited = roundToCents(mul(exact, fraction(1n, 100n)));
  const explicit = known.quotas.byTeam.get(teamId);
  let quotaCents: bigint | null = null;
  if (explicit !== undefined) quotaCents = toCents(explicit);
  else
    for (const m of members) {
      const q = known.quotas.byOwner.get(m);
      if (q !== undefined) quotaCents = (quotaCents ?? 0n) + (toCents(q) ?? 0n);
    }
  const measure = {
    name: known.teamNames.get(teamId) ?? teamId,
    creditedCents: credited,
    quotaCents,
    explicitQuota: explicit !== undefined,
  };
  return { measure, deals };
}

/** A team measure and each deal's credit in it, in cents (restating a closed period diffs them). */
export interface TeamWithDeals {
  readonly measure: TeamMeasure | null;
  readonly deals: ReadonlyMap<string, bigint>;
}

/** What a statement row keeps: its inputs, and the team's deals (not part of the inputs hash). */
export function storedInputs(inputs: StatementInputs, teamDeals: ReadonlyMap<string, bigint>): string {
  return canonicalJson({ statement: inputs, teamDeals: Object.fromEntries(teamDeals) });
}

/** StatementInputs as canonicalJson wrote it: every bigint as decimal text. */
type Text<T> = {
  [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | null ? string | null : T[K];
};
interface StoredJson {
  readonly statement: Omit<
    Text<StatementInputs>,
    'plan' | 'assignment' | 'credits' | 'team' | 'adjustments'
  > & {
    readonly assignment: Text<StatementInputs['assignment']>;
    readonly credits: Text<StatementInputs['credits'][number]>[];
    readonly team: Text<NonNullable<StatementInputs['team']>> | null;
    readonly adjustments: Text<StatementInputs['adjustments'][number]>[];
  };
  readonly teamDeals: Record<string, string>;
}

const big = (value: unknown): bigint | null =>
  value === null || value === undefined ? null : BigInt(value as string);

/** The inverse of storedInputs; the plan is the stored version the statement was computed with. */
export function readStoredInputs(
  json: unknown,
  plan: CompPlan,
): { inputs: StatementInputs; teamDeals: Map<string, bigint> } {
  const doc = (typeof json === 'string' ? JSON.parse(json) : json) as StoredJson;
  const s = doc.statement;
  const inputs: StatementInputs = {
    ownerEmail: s.ownerEmail,
    plan,
    assignment: {
      ...s.assignment,
      targetIncentiveCents: big(s.assignment.targetIncentiveCents),
      drawCents: big(s.assignment.drawCents),
    },
    period: s.period,
    workingDays: s.workingDays,
    credits: s.credits.map((c) => ({ ...c, amountCents: BigInt(c.amountCents) })),
    quotaCents: big(s.quotaCents),
    team:
      s.team === null
        ? null
        : { ...s.team, creditedCents: BigInt(s.team.creditedCents), quotaCents: big(s.team.quotaCents) },
    adjustments: s.adjustments.map((a) => ({ ...a, amountCents: BigInt(a.amountCents) })),
    drawBalanceCents: BigInt(s.drawBalanceCents),
  };
  return { inputs, teamDeals: new Map(Object.entries(doc.teamDeals).map(([k, v]) => [k, BigInt(v)])) };
}
