import type { Db } from '../db.js';
import { leadDecisions, type StoredDecision } from '../warehouse/routing-tables.js';
import type { Exclusion, MemberStanding } from './routing-model.js';

/**
 * `route explain LEAD`: every decision of a lead in plain words (DESIGN §11), e.g. "went to
 * bo@x.com, the member with the largest shortfall, 3.2 leads below their fair share; ana@x.com
 * was at their daily cap of 20". The words are built from the stored standings only, so an
 * explanation never depends on today's rules or rep settings.
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

const round1 = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);

function exclusionWords(e: Exclusion): string {
  switch (e.reason) {
    case 'unavailable':
      return e.until ? `was on leave until ${String(e.until).slice(0, 10)}` : 'was not available';
    case 'outside_hours':
      return e.nextStart
        ? `was outside working hours (back ${String(e.nextStart)})`
        : 'was outside working hours';
    case 'day_cap':
      return `was at their daily cap of ${e.cap}`;
    case 'week_cap':
      return `was at their weekly cap of ${e.cap}`;
    case 'weight_zero':
      return 'has weight 0 in the rep settings';
    case 'previous_owner':
      return 'already had this lead';
  }
}

function shortfall(m: MemberStanding): string {
  const d = m.deficit;
  if (Math.abs(d) < 0.05) return 'exactly at their fair share';
  return d > 0 ? `${round1(d)} leads below their fair share` : `${round1(-d)} leads above their fair share`;
}

export function decisionText(d: StoredDecision): string {
  const members = (d.members ?? []) as MemberStanding[];
  const excluded = members.filter((m) => m.excluded !== null);
  const others = excluded.map((m) => `${m.email} ${exclusionWords(m.excluded as Exclusion)}`);
  const tail = others.length > 0 ? `; ${others.join('; ')}` : '';
  if (d.chosenEmail === null) {
    return `Not routed in pool "${d.pool}": ${d.unroutedReason ?? 'no member was eligible'}${tail}.`;
  }
  const chosen = members.find((m) => m.email === d.chosenEmail);
  if (d.kind === 'account') {
    return `Went to ${d.chosenEmail}, the owner of the account ${String(d.detail['accountDomain'] ?? '')} (outside the rotation).`;
  }
  const why = chosen
    ? `the eligible member with the largest shortfall in pool "${d.pool}", ${shortfall(chosen)}`
    : `in pool "${d.pool}"`;
  const hop = d.kind === 'sla_reroute' ? ` (re-routed after an SLA miss, hop ${d.hop})` : '';
  return `Went to ${d.chosenEmail}${hop}, ${why}${tail}.`;
}

export async function explainLead(
  db: Db,
  connectionId: number,
  leadId: string,
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
      members: d.members as MemberStanding[],
      text: decisionText(d),
    })),
  };
}
