import { type AccountOwner, LeadRouter } from './lead-router.js';
import type { DecisionKind, PoolMember, RoutableLead, RoutingRules } from './routing-model.js';

/**
 * `route simulate` (shadow mode, DESIGN §11): replays past leads through the rules, in time
 * order, and sets what the rotation would have done beside what happened — both as received and
 * expected per rep in the same §5 terms, so the caller can compute the §5 measures (Gini,
 * chi-square, binomial flags) for each side with src/metrics. This module cannot import
 * src/metrics (stages never import each other), so it returns the distributions only.
 */
export interface PastLead {
  readonly lead: RoutableLead;
  /** Who actually got the lead first (lower-cased email), null when nobody did. */
  readonly actualOwnerEmail: string | null;
  /** When it was routed or assigned; the lead's creation when absent. */
  readonly at?: Date;
}

export interface SimulationInput {
  readonly rules: RoutingRules;
  readonly members: ReadonlyMap<string, readonly PoolMember[]>;
  readonly leads: readonly PastLead[];
  readonly timeZone: string;
  readonly fiscalYearStartMonth?: number;
  /** Company domain → owner of an open deal, for pools with `matchAccounts`. */
  readonly accounts?: ReadonlyMap<string, AccountOwner>;
}

export interface RepDistribution {
  readonly ownerEmail: string;
  readonly received: number;
  readonly expected: number;
}

export interface PoolDistribution {
  readonly pool: string;
  readonly reps: readonly RepDistribution[];
}

export interface SimulatedAssignment {
  readonly leadId: string;
  readonly pool: string;
  readonly kind: DecisionKind;
  readonly simulated: string | null;
  readonly actual: string | null;
}

export interface Distribution {
  /** Per rep, summed over pools (what §7's `reps` lists and §5's measures read). */
  readonly reps: readonly RepDistribution[];
  readonly pools: readonly PoolDistribution[];
}

export interface SimulationResult {
  readonly leads: number;
  readonly assignments: readonly SimulatedAssignment[];
  /** Leads the rules could not route (no eligible member): the reason is in each decision. */
  readonly unrouted: number;
  readonly simulated: Distribution;
  /**
   * What happened. `outsidePools` lists owners who received leads of a pool they are not a
   * member of: the audit's "outside the rotation", counted for nobody's expected share.
   */
  readonly actual: Distribution & {
    readonly outsidePools: readonly { ownerEmail: string; received: number }[];
  };
}

function distribution(router: LeadRouter): Distribution {
  const pools = router.totals().map(({ pool, members }) => ({
    pool,
    reps: members.map((m) => ({ ownerEmail: m.email, received: m.received, expected: m.expected })),
  }));
  const byRep = new Map<string, { received: number; expected: number }>();
  for (const pool of pools) {
    for (const rep of pool.reps) {
      const sum = byRep.get(rep.ownerEmail) ?? { received: 0, expected: 0 };
      sum.received += rep.received;
      sum.expected += rep.expected;
      byRep.set(rep.ownerEmail, sum);
    }
  }
  const reps = [...byRep]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ownerEmail, sum]) => ({ ownerEmail, ...sum }));
  return { reps, pools };
}

export function simulateRouting(input: SimulationInput): SimulationResult {
  const options = {
    timeZone: input.timeZone,
    rulesHash: input.rules.hash,
    ...(input.fiscalYearStartMonth === undefined ? {} : { fiscalYearStartMonth: input.fiscalYearStartMonth }),
  };
  const simulated = new LeadRouter(input.rules, input.members, options);
  const actual = new LeadRouter(input.rules, input.members, options);
  const ordered = input.leads
    .map((past, index) => ({ past, index, at: past.at ?? past.lead.createdAt }))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.index - b.index);
  const assignments: SimulatedAssignment[] = [];
  const outside = new Map<string, number>();
  let unrouted = 0;
  for (const { past, at } of ordered) {
    const decision = simulated.route(past.lead, at, input.accounts);
    if (decision.chosen === null) unrouted += 1;
    const owner = past.actualOwnerEmail?.toLowerCase() ?? null;
    if (owner !== null && !actual.record(past.lead, at, owner))
      outside.set(owner, (outside.get(owner) ?? 0) + 1);
    assignments.push({
      leadId: past.lead.externalId,
      pool: decision.pool,
      kind: decision.kind,
      simulated: decision.chosen?.email ?? null,
      actual: owner,
    });
  }
  return {
    leads: ordered.length,
    assignments,
    unrouted,
    simulated: distribution(simulated),
    actual: {
      ...distribution(actual),
      outsidePools: [...outside]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([ownerEmail, received]) => ({ ownerEmail, received })),
    },
  };
}
