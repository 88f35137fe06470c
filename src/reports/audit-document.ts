import type { ChiSquareResult } from '../metrics/fairness-stats.js';
import type { LeadAudit } from '../metrics/lead-audit.js';
import type { RoutingSummary } from '../metrics/lead-routing-summary.js';

/** `audit leads --json`: exactly the document of DESIGN.md §7. */
export interface AuditLeadsDocument {
  readonly period: { readonly start: string; readonly end: string };
  readonly totalLeads: number;
  readonly gini: number | null;
  readonly jain: number | null;
  readonly cv: number | null;
  readonly maxMinRatio: number | null;
  readonly chiSquare: ChiSquareResult;
  readonly qualityWeighted: { readonly gini: number | null; readonly chiSquare: ChiSquareResult };
  readonly cherryPicking: ChiSquareResult;
  readonly reps: readonly {
    readonly ownerEmail: string;
    readonly received: number;
    readonly expected: number;
    readonly avgQuality: number | null;
  }[];
  readonly flags: readonly {
    readonly kind: AuditFlagKind;
    readonly ownerEmail: string;
    readonly reason: string;
    readonly received: number;
    readonly expected: number;
    readonly pValue: number | null;
    /** The leads the flag is about: every off-rotation lead; none for a count imbalance. */
    readonly leadIds: readonly string[];
  }[];
  /**
   * Only when the connection has routing rules (so the document without them is unchanged):
   * per rep, the leads routing gave them and the routed leads people moved to or from them.
   */
  readonly routing?: RoutingSummary;
}

/** What a flag says: a rep got more or fewer than the fair share, or leads went outside the rotation. */
export type AuditFlagKind = 'more-leads' | 'fewer-leads' | 'outside-rotation';

const chi = (c: ChiSquareResult): ChiSquareResult => ({
  statistic: c.statistic,
  dof: c.dof,
  pValue: c.pValue,
});

export function auditDocument(result: LeadAudit): AuditLeadsDocument {
  const { audit } = result;
  return {
    period: { start: result.period.start, end: result.period.end },
    totalLeads: audit.totalLeads,
    gini: audit.gini,
    jain: audit.jain,
    cv: audit.cv,
    maxMinRatio: audit.maxMinRatio,
    chiSquare: chi(audit.chiSquare),
    qualityWeighted: { gini: audit.qualityWeighted.gini, chiSquare: chi(audit.qualityWeighted.chiSquare) },
    cherryPicking: chi(audit.cherryPicking),
    reps: audit.reps.map((rep) => ({
      ownerEmail: rep.ownerEmail,
      received: rep.received,
      expected: rep.expected,
      avgQuality: rep.avgQuality,
    })),
    // Binomial flags carry the BH-adjusted p-value (the one that decided); an owner outside the
    // rotation is one flag for all their leads there, which had an expected count of 0.
    flags: [
      ...audit.flags.map((flag) => ({
        kind: flag.direction === 'more' ? ('more-leads' as const) : ('fewer-leads' as const),
        ownerEmail: flag.ownerEmail,
        reason: flag.reason,
        received: flag.received,
        expected: flag.expected,
        pValue: flag.qValue,
        leadIds: [],
      })),
      ...result.offRotationFlags.map((flag) => ({
        kind: 'outside-rotation' as const,
        ownerEmail: flag.ownerEmail,
        reason: flag.reason,
        received: flag.leadIds.length,
        expected: 0,
        pValue: null,
        leadIds: flag.leadIds,
      })),
    ],
    ...(result.routing && {
      routing: {
        rulesHash: result.routing.rulesHash,
        routed: result.routing.routed,
        manualOverrides: result.routing.manualOverrides,
        reps: result.routing.reps.map((r) => ({ ...r })),
      },
    }),
  };
}
