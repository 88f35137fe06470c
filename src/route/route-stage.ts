import { DateTime } from 'luxon';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { analyzeOutboxAfter, queueLeadOwnerWrites } from '../warehouse/push-tables.js';
import {
  accountOwners,
  activeRoutingRules,
  type DecisionInsert,
  type RoutingLeadRow,
  type RoutingOwnerRow,
  receivedLeads,
  routingCandidates,
  routingOwners,
  saveDecisions,
  slaCandidates,
} from '../warehouse/routing-tables.js';
import type { SyncRunCounts } from '../warehouse/tables.js';
import { LeadRouter, slaMissed } from './lead-router.js';
import { parseWorkingHours } from './member-availability.js';
import { resolvePoolMembers } from './pool-members.js';
import type {
  DeficitPeriod,
  MemberStanding,
  PoolMember,
  RoutableLead,
  RoutingDecision,
  RoutingRules,
} from './routing-model.js';

/**
 * The route stage (DESIGN §1, §11), between pull and compute: every lead pull left without a rep
 * owner (no owner, a queue, an owner in `routeFrom`), created since routing was enabled and never
 * routed, gets one from its pool's rotation. Each pool's ledger is first fed the period's leads
 * its members already received (routed or by hand, so hand assignments are balanced out), then
 * decides the new leads oldest first. Decisions and the owner writes they queue in the outbox
 * are stored in one transaction: the decision row is the claim, so a crash after it leaves the
 * write to the push stage (which writes the same owner on a retry) and a crash before it leaves
 * nothing to undo. A lead no member can take stays unrouted with the reason, and is offered to
 * the rotation again on the next run; it is never given to a default owner.
 *
 * Pools with `matchAccounts` first send a lead from a known account's domain to the owner of its
 * open deal. Pools with `slaMinutes` then re-route the leads of the current period whose owner
 * had them for longer than the SLA without touching them (same owner, same status as when they
 * were routed): one more hop per run, up to `maxReroutes`, each a decision of its own.
 */
export interface RouteOptions {
  readonly runId: number | null;
  /** The moment decisions are taken at (injected; the engine passes the wall clock). */
  readonly now: Date;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Called before each decision (the crash test stops the process there). */
  readonly beforeDecision?: (count: number) => void;
}

export interface RouteOutcome {
  readonly counts: SyncRunCounts;
}

/** Decisions per transaction: big enough that a 100,000-lead backlog is a few hundred commits. */
const SAVE_BATCH = 500;

export function routableLead(row: RoutingLeadRow): RoutableLead {
  const domain = row.email?.includes('@') ? (row.email.split('@')[1]?.toLowerCase() ?? null) : null;
  return {
    externalId: row.externalId,
    createdAt: row.createdAt,
    email: row.email,
    fields: {
      source: row.source,
      rating: row.rating,
      score: row.score === null ? null : Number(row.score),
      status: row.status,
      email: row.email,
      domain,
    },
  };
}

/** Each pool's members (core's resolvePoolMembers) from the connection's reps and rep settings. */
export function membersByPool(
  rules: RoutingRules,
  owners: readonly RoutingOwnerRow[],
): Map<string, PoolMember[]> {
  const reps = owners.filter((o) => o.active && !o.isQueue);
  return resolvePoolMembers(
    rules,
    new Map(reps.map((o) => [o.email, o.ownerId])),
    new Map(
      reps
        .filter((o) => o.windows.length > 0)
        .map((o) => [
          o.email,
          {
            windows: o.windows.map((w) => ({
              ...w,
              hours: w.hours === null ? null : parseWorkingHours(w.hours),
            })),
          },
        ]),
    ),
  );
}

/**
 * Each standing with `share`: this lead's part of the expected count (weight ÷ Σ weights of the
 * eligible members), so a report sums expected leads from the decisions whatever the ledger.
 */
function withShares(
  standings: readonly MemberStanding[],
  members: readonly PoolMember[],
  at: Date,
  timeZone: string,
): (MemberStanding & { share: number })[] {
  const day = DateTime.fromJSDate(at, { zone: timeZone }).toISODate() as string;
  const weightOf = (email: string): number => {
    const windows = members.find((m) => m.email === email)?.windows ?? [];
    if (windows.length === 0) return 1;
    const w = windows.find((x) => (x.from === null || x.from <= day) && (x.to === null || day <= x.to));
    return w?.weight ?? 0;
  };
  const total = standings.reduce((sum, m) => sum + (m.excluded === null ? weightOf(m.email) : 0), 0);
  return standings.map((m) => ({
    ...m,
    share: m.excluded === null && total > 0 ? weightOf(m.email) / total : 0,
  }));
}

/**
 * The earliest moment any pool's current deficit period can start: this ISO week's Monday, this
 * month's first, or the first day of the fiscal quarter (fiscal quarters start on a month's
 * first, at most two months back), in the connection's zone.
 */
export function historyStart(rules: RoutingRules, at: Date, connection: Pick<Connection, 'timeZone'>): Date {
  const local = DateTime.fromJSDate(at, { zone: connection.timeZone });
  const starts = rules.pools.map((p) => periodBound(p.period, local));
  return new Date(Math.min(...starts));
}

function periodBound(period: DeficitPeriod, local: DateTime): number {
  if (period === 'week') return local.startOf('week').toMillis();
  if (period === 'month') return local.startOf('month').toMillis();
  return local.startOf('month').minus({ months: 2 }).toMillis();
}

export async function routeStage(
  db: Db,
  connection: Connection,
  options: RouteOptions,
): Promise<RouteOutcome> {
  const stored = await activeRoutingRules(db, connection.id);
  if (!stored) return { counts: {} };
  const rules = stored.rules as RoutingRules;
  const candidates = await routingCandidates(db, connection.id, stored.routingSince, rules.routeFrom);
  const slaPools = rules.pools.filter((p) => p.slaMinutes !== null && p.maxReroutes > 0);
  if (candidates.length === 0 && slaPools.length === 0) return { counts: { routed: 0, unrouted: 0 } };

  const tz = connection.timeZone;
  const now = options.now;
  const owners = await routingOwners(db, connection.id);
  const emailOf = new Map(owners.map((o) => [o.ownerId, o.email]));
  const members = membersByPool(rules, owners);
  const router = new LeadRouter(rules, members, {
    timeZone: tz,
    rulesHash: stored.hash,
    fiscalYearStartMonth: connection.fiscalYearStartMonth,
  });
  // The period's earlier leads, oldest first (a ledger never goes back into an earlier period):
  // from the earliest start any pool's period can have, so a quarter pool sees its quarter.
  const since = historyStart(rules, now, connection);
  const history = await receivedLeads(db, connection.id, since, now, rules.routeFrom);
  const accounts = rules.pools.some((p) => p.matchAccounts)
    ? await accountOwners(db, connection.id)
    : undefined;
  for (const row of history) {
    const email = row.receivedBy === null ? undefined : emailOf.get(row.receivedBy);
    if (!email) continue;
    const lead = routableLead(row);
    const pool = row.decidedPool ?? router.poolOf(lead).name;
    if (rules.pools.some((p) => p.name === pool)) router.ledger(pool).record(row.createdAt, email);
  }

  let routed = 0;
  let unrouted = 0;
  let decided = 0;
  for (let i = 0; i < candidates.length; i += SAVE_BATCH) {
    if (options.signal?.aborted) {
      // Stop between transactions: every committed decision stands, the rest are still candidates.
      throw options.signal.reason instanceof Error ? options.signal.reason : new Error('route aborted');
    }
    const batch = candidates.slice(i, i + SAVE_BATCH);
    const inserts: DecisionInsert[] = [];
    const previous = new Map<string, string | null>();
    for (const row of batch) {
      const lead = routableLead(row);
      options.beforeDecision?.(++decided);
      const decision: RoutingDecision = router.route(lead, now, accounts);
      previous.set(row.externalId, row.ownerId);
      inserts.push({
        leadId: decision.leadId,
        hop: 0,
        decidedAt: decision.decidedAt,
        rulesHash: decision.rulesHash,
        pool: decision.pool,
        kind: decision.kind,
        members: withShares(decision.members, members.get(decision.pool) ?? [], now, tz),
        chosenOwnerId: decision.chosen?.ownerId ?? null,
        chosenEmail: decision.chosen?.email ?? null,
        unroutedReason: decision.unroutedReason,
        detail: decisionDetail(decision, row.status),
        leadCreatedAt: row.createdAt,
      });
    }
    const claimed = await saveDecisions(db, connection.id, options.runId, inserts, async (trx, ids) => {
      const writes = inserts
        .filter((d) => d.chosenOwnerId !== null && ids.has(d.leadId))
        .map((d) => ({
          leadId: d.leadId,
          ownerId: d.chosenOwnerId as string,
          previous: previous.get(d.leadId) ?? null,
        }));
      await queueLeadOwnerWrites(trx, connection.id, options.runId, writes);
    });
    routed += claimed.size;
    unrouted += inserts.filter((d) => d.chosenOwnerId === null).length;
  }
  const reroutes =
    slaPools.length === 0
      ? null
      : await rerouteMissedSla(db, connection, options, router, members, {
          pools: slaPools.map((p) => p.name),
          since,
        });
  await analyzeOutboxAfter(db, routed + (reroutes?.rerouted ?? 0));
  options.logger?.info({ routed, unrouted, ...reroutes, rules: stored.hash }, 'leads routed');
  return { counts: { routed, unrouted, ...reroutes } };
}

/**
 * What a decision stores beside the standings: the account's domain, the owner who missed the
 * SLA, and the lead's status when it was routed (an SLA re-route asks whether it changed since).
 */
function decisionDetail(decision: RoutingDecision, status: string | null): Record<string, unknown> {
  return {
    status,
    ...(decision.accountDomain && { accountDomain: decision.accountDomain }),
    ...(decision.rerouteFrom && { rerouteFrom: decision.rerouteFrom }),
  };
}

/**
 * The SLA pass: each routed lead of the current period whose owner has had it, untouched, for
 * longer than its pool's `slaMinutes` since the owner was written goes one hop further, to the
 * rotation's choice among the members who have not had it. A hop with nobody eligible is stored
 * unrouted (the lead stays with its owner) and tried again on the next run.
 */
async function rerouteMissedSla(
  db: Db,
  connection: Connection,
  options: RouteOptions,
  router: LeadRouter,
  members: ReadonlyMap<string, readonly PoolMember[]>,
  scope: { readonly pools: readonly string[]; readonly since: Date },
): Promise<{ rerouted: number; notRerouted: number }> {
  const now = options.now;
  const rows = await slaCandidates(db, connection.id, scope.pools, scope.since);
  const inserts: DecisionInsert[] = [];
  const previous = new Map<string, string>();
  for (const row of rows) {
    const lead = routableLead(row);
    const pool = router.poolOf(lead);
    // The rules changed since: the lead now belongs to another pool, whose SLA it never had.
    if (pool.name !== row.pool || !slaMissed(pool, row.ownerWrittenAt, null, now, row.hop)) continue;
    const decision = router.reroute(lead, now, row.previousOwners);
    if (!decision) continue;
    previous.set(row.externalId, row.chosenOwnerId);
    inserts.push({
      leadId: decision.leadId,
      hop: row.hop + 1,
      decidedAt: decision.decidedAt,
      rulesHash: decision.rulesHash,
      pool: decision.pool,
      kind: decision.kind,
      members: withShares(decision.members, members.get(decision.pool) ?? [], now, connection.timeZone),
      chosenOwnerId: decision.chosen?.ownerId ?? null,
      chosenEmail: decision.chosen?.email ?? null,
      unroutedReason: decision.unroutedReason,
      detail: decisionDetail(decision, row.status),
      leadCreatedAt: row.createdAt,
    });
  }
  const claimed = await saveDecisions(db, connection.id, options.runId, inserts, async (trx, ids) => {
    const writes = inserts
      .filter((d) => d.chosenOwnerId !== null && ids.has(d.leadId))
      .map((d) => ({
        leadId: d.leadId,
        ownerId: d.chosenOwnerId as string,
        previous: previous.get(d.leadId) ?? null,
      }));
    await queueLeadOwnerWrites(trx, connection.id, options.runId, writes);
  });
  return { rerouted: claimed.size, notRerouted: inserts.length - claimed.size };
}
