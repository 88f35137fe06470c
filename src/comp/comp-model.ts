/**
 * The vocabulary of compensation (DESIGN §12): plans as they pay, the inputs of one statement and
 * the statement document of `comp statements --json` (DESIGN §7). Money inside the core is whole
 * cents as bigint (like `warehouse/money.ts`); plan numbers stay as the person wrote them and are
 * made exact (`exact.ts`) where a payout is computed.
 */

export type PayoutPeriod = 'month' | 'quarter';

/** A point of a curve: [measure, multiplier], both ratios (1 = 100 %). */
export type CurvePoint = readonly [number, number];

/** A marginal commission tier: [credited amount from which it applies, rate]. */
export type RateTier = readonly [number, number];

/** A component paid on a ratio: the rep's attainment or their team's. */
export interface CurveComponent {
  readonly kind: 'curve';
  readonly name: string;
  readonly measure: 'attainment' | 'team_attainment';
  readonly weight: number;
  /** Below it the multiplier is 0; at least the first point's x. */
  readonly threshold: number;
  /** At least two points, x strictly increasing, y never decreasing. */
  readonly curve: readonly CurvePoint[];
  /** The highest multiplier; null = uncapped. */
  readonly cap: number | null;
}

/** A component paid as commission on credited closed-won (no weight, no target incentive). */
export interface CommissionComponent {
  readonly kind: 'commission';
  readonly name: string;
  readonly measure: 'credited_amount';
  /** First tier from 0, thresholds strictly increasing. */
  readonly rates: readonly RateTier[];
}

export type PlanComponent = CurveComponent | CommissionComponent;

export interface CompPlan {
  readonly name: string;
  /** 3-letter ISO code, upper case. */
  readonly currency: string;
  readonly payoutPeriod: PayoutPeriod;
  /** Variable pay at 100 % for one payout period, in cents. */
  readonly targetIncentiveCents: bigint;
  readonly components: readonly PlanComponent[];
  /** Days after a deal's close date within which a loss or deletion is clawed back; null = never. */
  readonly clawbackLookbackDays: number | null;
  /** Recoverable draw per payout period, in cents; null = none (an assignment may set one). */
  readonly drawCents: bigint | null;
  /** sha256 of the plan as it pays (`planHash`), not of the file's bytes. */
  readonly hash: string;
}

export interface PlanProblem {
  readonly line: number | null;
  /** Dotted path into the file, e.g. `components.1.curve.2`. */
  readonly path: string;
  readonly message: string;
}

/** A plan given to a rep for a date range (`comp assign`), both ends inclusive. */
export interface CompAssignment {
  readonly ownerEmail: string;
  readonly plan: string;
  readonly start: string;
  readonly end: string;
  /** Overrides the plan's target incentive. */
  readonly targetIncentiveCents: bigint | null;
  /** Overrides the plan's draw. */
  readonly drawCents: bigint | null;
}

/** One credited closed-won deal of the rep in the payout period. */
export interface CreditedDeal {
  readonly dealId: string;
  readonly name: string;
  readonly closeDate: string;
  /** The deal's whole amount (home currency), in cents. */
  readonly amountCents: bigint;
  /** The rep's share, 0 < share ≤ 1 (1 without splits; a split's percent ÷ 100). */
  readonly share: number;
}

/** A team measure's inputs: the rep's primary team on the last day of their assignment. */
export interface TeamMeasure {
  readonly name: string;
  readonly creditedCents: bigint;
  /** The explicit team quota where one exists, else Σ of the members' quotas; null = none. */
  readonly quotaCents: bigint | null;
  readonly explicitQuota: boolean;
}

export type AdjustmentKind = 'restatement' | 'clawback' | 'manual' | 'draw' | 'draw_recovery';

export interface AdjustmentLine {
  readonly kind: AdjustmentKind;
  /** The deal a restatement or clawback is about; null for manual lines and draws. */
  readonly dealId: string | null;
  /** The period key the line is about (a restatement: the closed period it corrects). */
  readonly period: string;
  readonly amountCents: bigint;
  readonly reason: string;
}

export interface PeriodRange {
  /** e.g. `2026-Q3` or `2026-07`. */
  readonly key: string;
  readonly start: string;
  readonly end: string;
}

/** Everything one statement is computed from; its hash is the statement's `inputsHash`. */
export interface StatementInputs {
  readonly ownerEmail: string;
  readonly plan: CompPlan;
  readonly assignment: CompAssignment;
  readonly period: PeriodRange;
  /** Working days of the period, and of the assignment inside it (`proration.ts`). */
  readonly workingDays: { readonly assigned: number; readonly period: number };
  readonly credits: readonly CreditedDeal[];
  /** The rep's quota for the period (prorated where they joined mid-period); null = none. */
  readonly quotaCents: bigint | null;
  readonly team: TeamMeasure | null;
  /** Manual, restatement and clawback lines posted into this statement. */
  readonly adjustments: readonly AdjustmentLine[];
  /** Draw owed by the rep before this period (0 without a draw). */
  readonly drawBalanceCents: bigint;
}

/** One component as the statement shows it (§7, plus what it was computed from). */
export interface ComponentLine {
  readonly name: string;
  readonly measure: PlanComponent['measure'];
  /** The measure: a ratio for attainment, money for credited_amount; null without a quota. */
  readonly value: number | null;
  /** null for a commission component. */
  readonly multiplier: number | null;
  readonly payout: number;
  readonly credited: number;
  readonly quota: number | null;
  readonly team: string | null;
}

export interface StatementAdjustment {
  readonly kind: AdjustmentKind;
  readonly dealId: string | null;
  readonly period: string;
  readonly amount: number;
  readonly reason: string;
}

/** One rep's statement for one payout period: DESIGN §7 `comp statements`, one entry. */
export interface RepStatement {
  readonly ownerEmail: string;
  readonly period: { readonly key: string; readonly start: string; readonly end: string };
  readonly plan: { readonly name: string; readonly hash: string };
  readonly targetIncentive: number;
  readonly prorate: number;
  readonly workingDays: { readonly assigned: number; readonly period: number };
  readonly components: readonly ComponentLine[];
  readonly adjustments: readonly StatementAdjustment[];
  readonly total: number;
  /** Draw owed after this statement; null when the assignment has no draw. */
  readonly drawBalance: number | null;
  readonly credits: readonly {
    readonly dealId: string;
    readonly name: string;
    readonly closeDate: string;
    readonly amount: number;
    readonly share: number;
  }[];
  readonly inputsHash: string;
}

export interface StatementsDocument {
  readonly period: { readonly start: string; readonly end: string };
  readonly currency: string;
  readonly closed: boolean;
  readonly statements: readonly RepStatement[];
}
