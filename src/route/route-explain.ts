import type { Db } from '../db.js';
import { leadDecisions, type StoredDecision } from '../warehouse/routing-decision-reads.js';
import { explainDecision } from './explain-decision.js';
import type { Exclusion, MemberStanding, RoutingDecision } from './routing-model.js';

/**
 * `route explain LEAD`: every decision of a lead in plain words (DESIGN §11; the words are the
 * core rotation's `explainDecision`), built from the stored standings only, so an explanation
 * never depends on today's rules or rep settings.
 */
export interface ExplainedDecision {
  readonly hop: number;
  readonly decidedAt: string;
  readonly kind: StoredDecision['kind'];
  readonly pool: string;
  readonly rulesHash: string;
  readonly chosen: string | null;
  readonly unroutedReason: string | null;
  readonly write: {
    readonly outcome: StoredDecision['writeOutcome'];
    readonly error: string | null;
    readonly writtenAt: string | null;
    readonly speedToLeadSeconds: number | null;
  };
  readonly members: readonly MemberStanding[];
  readonly text: string;
}

export interface LeadExplanation {
  readonly leadId: string;
  readonly currentOwner: string | null;
  /** The lead now has another rep than routing chose: a person reassigned it. */
  readonly manualOverride: boolean;
  readonly decisions: readonly ExplainedDecision[];
}

/** Dates come back from jsonb as strings: the stored decision as the rotation produced it. */
function revive(d: StoredDecision): RoutingDecision {
  const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(String(v)));
  const members = ((d.members ?? []) as Record<string, unknown>[]).map((m): MemberStanding => {
    const ex = m['excluded'] as Record<string, unknown> | null;
    const excluded = !ex
      ? null
      : ex['reason'] === 'unavailable'
        ? { reason: 'unavailable' as const, until: date(ex['until']) }
        : ex['reason'] === 'outside_hours'
          ? { reason: 'outside_hours' as const, nextStart: date(ex['nextStart']) }
          : (ex as unknown as Exclusion);
    return {
      email: String(m['email']),
      ownerId: String(m['ownerId']),
      expected: Number(m['expected']),
      received: Number(m['received']),
      deficit: Number(m['deficit']),
      lastLeadAt: date(m['lastLeadAt']),
      excluded,
    };
  });
  return {
    leadId: d.leadId,
    decidedAt: d.decidedAt,
    rulesHash: d.rulesHash,
    pool: d.pool,
    kind: d.kind,
    members,
    chosen: d.chosenEmail && d.chosenOwnerId ? { email: d.chosenEmail, ownerId: d.chosenOwnerId } : null,
    unroutedReason: d.unroutedReason,
    accountDomain: (d.detail['accountDomain'] as string | undefined) ?? null,
    rerouteFrom: (d.detail['rerouteFrom'] as string | undefined) ?? null,
    rerouteHop: d.kind === 'sla_reroute' ? d.hop : null,
  };
}

export async function explainLead(
  db: Db,
  connectionId: number,
  leadId: string,
  timeZone: string,
): Promise<LeadExplanation | null> {
  const decisions = await leadDecisions(db, connectionId, leadId);
  if (decisions.length === 0) return null;
  const last = decisions.at(-1) as StoredDecision;
  return {
    leadId,
    currentOwner: last.currentOwnerEmail ?? last.currentOwnerId,
    manualOverride:
      last.writeOutcome === 'written' &&
      last.currentOwnerId !== null &&
      last.currentOwnerId !== last.chosenOwnerId,
    decisions: decisions.map((d) => ({
      hop: d.hop,
      decidedAt: d.decidedAt.toISOString(),
      kind: d.kind,
      pool: d.pool,
      rulesHash: d.rulesHash,
      chosen: d.chosenEmail,
      unroutedReason: d.unroutedReason,
      write: {
        outcome: d.writeOutcome,
        error: d.writeError,
        writtenAt: d.ownerWrittenAt?.toISOString() ?? null,
        speedToLeadSeconds: d.speedToLeadSeconds,
      },
      members: revive(d).members,
      text: explainDecision(revive(d), timeZone),
    })),
  };
}
