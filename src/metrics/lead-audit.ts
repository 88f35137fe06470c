import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import {
  type AuditRepInput,
  auditDistribution,
  type DistributionAudit,
  type LeadCell,
} from './fairness-audit.js';
import type { ChiSquareResult } from './fairness-stats.js';
import {
  type AuditWindow,
  type CountedLead,
  countedLeadsIn,
  countLeadsByRepDay,
  loadOwners,
  loadSettingWindows,
  type OwnerInfo,
  type SettingWindow,
} from './lead-distribution.js';
import { addDays, daysInclusive, localDate, type Period } from './periods.js';

/** Who was in the rotation: from imported rep settings, or everyone active at equal weight. */
export type RotationSource = 'settings' | 'equal';

export interface LeadFlag {
  readonly leadId: string;
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly assignedAt: Date;
  readonly reason: string;
}

export interface LeadAudit {
  readonly connection: Connection;
  readonly period: Period;
  readonly asOf: Date;
  readonly days: readonly string[];
  readonly rotation: RotationSource;
  readonly audit: DistributionAudit;
  /** Leads that went to someone without weight in the rotation that day, one by one. */
  readonly leadFlags: readonly LeadFlag[];
  readonly repInputs: ReadonlyMap<string, AuditRepInput>;
}

function periodDays(period: Period): string[] {
  return Array.from({ length: daysInclusive(period.start, period.end) }, (_, i) => addDays(period.start, i));
}

function weightsFromWindows(
  days: readonly string[],
  windows: readonly SettingWindow[],
): Map<string, number[]> {
  const byOwner = new Map<string, number[]>();
  for (const window of windows) {
    let weights = byOwner.get(window.ownerId);
    if (!weights) {
      weights = days.map(() => 0);
      byOwner.set(window.ownerId, weights);
    }
    days.forEach((day, d) => {
      if ((window.from === null || window.from <= day) && (window.to === null || window.to >= day)) {
        weights![d] = window.weight;
      }
    });
  }
  return byOwner;
}

function ownerLabel(owners: ReadonlyMap<string, OwnerInfo>, ownerId: string): AuditRepInput {
  const owner = owners.get(ownerId);
  return {
    ownerId,
    ownerEmail: owner?.email ?? `owner ${ownerId}`,
    ownerName: owner?.name ?? null,
    weights: null,
  };
}

/**
 * The rotation of DESIGN §5. With settings: the owners listed, weight per day from their
 * windows (queues never). Without: every active non-queue owner who received a lead, weight 1.
 * Everyone else who received a lead is listed with weights null (outside the rotation).
 */
function rotationInputs(
  days: readonly string[],
  cells: readonly LeadCell[],
  owners: ReadonlyMap<string, OwnerInfo>,
  windows: readonly SettingWindow[] | null,
): Map<string, AuditRepInput> {
  const inputs = new Map<string, AuditRepInput>();
  if (windows !== null) {
    for (const [ownerId, weights] of weightsFromWindows(days, windows)) {
      if (owners.get(ownerId)?.isQueue) continue;
      inputs.set(ownerId, { ...ownerLabel(owners, ownerId), weights });
    }
  }
  for (const cell of cells) {
    if (inputs.has(cell.ownerId)) continue;
    const owner = owners.get(cell.ownerId);
    const equalRotation = windows === null && owner?.active === true && !owner.isQueue;
    inputs.set(cell.ownerId, {
      ...ownerLabel(owners, cell.ownerId),
      weights: equalRotation ? days.map(() => 1) : null,
    });
  }
  return inputs;
}

function leadFlagReason(
  lead: CountedLead,
  rep: AuditRepInput | undefined,
  rotation: RotationSource,
  days: readonly string[],
  timeZone: string,
): string {
  const when = `${days[lead.day] ?? localDate(lead.assignedAt, timeZone)}`;
  const who = rep?.ownerEmail ?? lead.ownerId;
  const why = rep?.weights?.some((w) => w > 0)
    ? 'was not available in the rotation that day (no weight in the rep settings for that date)'
    : rotation === 'settings'
      ? 'is outside the rotation (not listed, or weight 0, in the rep settings)'
      : 'is outside the rotation (not an active rep)';
  return `lead ${lead.leadId} assigned on ${when} to ${who}, who ${why}`;
}

export async function auditLeads(
  db: Db,
  connection: Connection,
  options: { readonly period: Period; readonly asOf: Date },
): Promise<LeadAudit> {
  const { period, asOf } = options;
  const window: AuditWindow = {
    connectionId: connection.id,
    timeZone: connection.timeZone,
    start: period.start,
    end: period.end,
    asOf,
  };
  const days = periodDays(period);
  const [cells, owners, windows] = await Promise.all([
    countLeadsByRepDay(db, window),
    loadOwners(db, connection.id),
    loadSettingWindows(db, window),
  ]);
  const inputs = rotationInputs(days, cells, owners, windows);
  const audit = auditDistribution({ days, reps: [...inputs.values()], cells });
  const rotation: RotationSource = windows === null ? 'equal' : 'settings';
  const offRotationLeads = await countedLeadsIn(db, window, audit.offRotation);
  const leadFlags = offRotationLeads.map((lead) => {
    const rep = inputs.get(lead.ownerId);
    return {
      leadId: lead.leadId,
      ownerId: lead.ownerId,
      ownerEmail: rep?.ownerEmail ?? lead.ownerId,
      assignedAt: lead.assignedAt,
      reason: leadFlagReason(lead, rep, rotation, days, connection.timeZone),
    };
  });
  return { connection, period, asOf, days, rotation, audit, leadFlags, repInputs: inputs };
}

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
    readonly ownerEmail: string;
    readonly reason: string;
    readonly received: number;
    readonly expected: number;
    readonly pValue: number | null;
  }[];
}

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
    // Binomial flags carry the BH-adjusted p-value (the one that decided); a lead outside the
    // rotation is its own flag: 1 lead received where 0 were expected.
    flags: [
      ...audit.flags.map((flag) => ({
        ownerEmail: flag.ownerEmail,
        reason: flag.reason,
        received: flag.received,
        expected: flag.expected,
        pValue: flag.qValue,
      })),
      ...result.leadFlags.map((flag) => ({
        ownerEmail: flag.ownerEmail,
        reason: flag.reason,
        received: 1,
        expected: 0,
        pValue: null,
      })),
    ],
  };
}
