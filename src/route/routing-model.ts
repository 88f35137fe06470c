/**
 * The route stage's vocabulary (DESIGN §11), shared by the rules parser, the rotation and the
 * stage that loads and stores them. Pure data: no I/O, no SQL. The rotation decides in the lead
 * audit's own terms (§5), so a decision's numbers are the ones the audit would report.
 */

/** One condition of a pool's `match`, on a lead field (`source`, `country`, `score`, a mapped property). */
export type MatchCondition =
  | { readonly field: string; readonly op: 'equals'; readonly value: string | number | boolean }
  | { readonly field: string; readonly op: 'in'; readonly values: readonly (string | number)[] }
  | { readonly field: string; readonly op: 'range'; readonly min: number | null; readonly max: number | null }
  | { readonly field: string; readonly op: 'present'; readonly present: boolean };

export type DeficitPeriod = 'week' | 'month' | 'quarter';

export interface PoolRules {
  readonly name: string;
  /** All must hold; empty for the fallback pool. */
  readonly match: readonly MatchCondition[];
  /** Owner emails (lower-cased), or every rep with weight > 0 in the rep settings. */
  readonly members: 'rotation' | readonly string[];
  readonly capacity: { readonly perDay: number | null; readonly perWeek: number | null };
  readonly period: DeficitPeriod;
  /** Expected share also accrues while a member is away (deliberate catch-up after leave). */
  readonly catchUp: boolean;
  /** Re-route a lead its owner has not touched within this many minutes; null = never. */
  readonly slaMinutes: number | null;
  readonly maxReroutes: number;
  /** A lead whose email domain belongs to an account with an owner of an open deal goes to that owner. */
  readonly matchAccounts: boolean;
}

export interface RoutingRules {
  /** sha256 of the canonical rules (not of the file's bytes: comments and order of keys do not version). */
  readonly hash: string;
  /** Owner emails (lower-cased) whose leads count as unowned: an integration user, a placeholder. */
  readonly routeFrom: readonly string[];
  /** In order; the first that matches wins. */
  readonly pools: readonly PoolRules[];
  /** Name of the pool every lead falls to when no other matches (required). */
  readonly fallback: string;
}

/** A problem in a rules file: every one is listed, the file is refused whole. */
export interface RulesProblem {
  readonly line: number | null;
  readonly path: string;
  readonly message: string;
}

/** A lead as routing sees it: the fields `match` may test, and when it was created. */
export interface RoutableLead {
  readonly externalId: string;
  readonly createdAt: Date;
  readonly email: string | null;
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** A working-hours availability window of a member (rep settings), in the member's zone. */
export interface MemberWindow {
  readonly weight: number;
  /** Inclusive ISO dates in the connection's zone; null = open-ended. */
  readonly from: string | null;
  readonly to: string | null;
  /** Working hours, e.g. { start: '09:00', end: '17:30' }; null = all day. */
  readonly hours: { readonly start: string; readonly end: string } | null;
  /** IANA zone of the hours; null = the connection's. */
  readonly timeZone: string | null;
}

export interface PoolMember {
  readonly email: string;
  readonly ownerId: string;
  /** Empty: weight 1, always available (a member listed by email without rep settings). */
  readonly windows: readonly MemberWindow[];
}

export type Exclusion =
  | { readonly reason: 'unavailable'; readonly until: Date | null }
  | { readonly reason: 'outside_hours'; readonly nextStart: Date | null }
  | { readonly reason: 'day_cap'; readonly cap: number }
  | { readonly reason: 'week_cap'; readonly cap: number }
  | { readonly reason: 'weight_zero' }
  /** An SLA re-route never hands a lead back to a member who already had it. */
  | { readonly reason: 'previous_owner' };

/** What one member looked like at the moment of a decision. */
export interface MemberStanding {
  readonly email: string;
  readonly ownerId: string;
  /**
   * Expected leads of the pool's period so far, as §5 accrues them, including this lead's share
   * for the members available now (so a fair split is the greedy choice at every step: the
   * smooth weighted round robin). A member with no share of this lead (away without catchUp),
   * and everyone when the lead stays unrouted, shows the figure before it.
   */
  readonly expected: number;
  /** Leads of the pool received in the period (routed or assigned by hand). */
  readonly received: number;
  /** expected − received: positive = owed leads. */
  readonly deficit: number;
  readonly lastLeadAt: Date | null;
  readonly excluded: Exclusion | null;
}

export type DecisionKind = 'rotation' | 'account' | 'sla_reroute';

export interface RoutingDecision {
  readonly leadId: string;
  readonly decidedAt: Date;
  readonly rulesHash: string;
  readonly pool: string;
  readonly kind: DecisionKind;
  readonly members: readonly MemberStanding[];
  /** Null: no member eligible; the lead stays unrouted and `unroutedReason` says why. */
  readonly chosen: { readonly email: string; readonly ownerId: string } | null;
  readonly unroutedReason: string | null;
  /** Kind 'account': the lead's email domain that matched the owner's account. */
  readonly accountDomain?: string | null;
  /** Kind 'sla_reroute': the owner who missed the SLA, and which hop this is (1 = first re-route). */
  readonly rerouteFrom?: string | null;
  readonly rerouteHop?: number | null;
}
