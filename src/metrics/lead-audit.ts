import { addDays, daysInclusive, localDate, type Period } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { inAnalyticsTransaction } from '../warehouse/deal-credits.js';
import {
  type AuditRepInput,
  auditDistribution,
  type DistributionAudit,
  type LeadCell,
} from './fairness-audit.js';
import {
  type AuditWindow,
  type CountedLead,
  countedLeadsIn,
  countLeadsByRepDay,
  loadOwners,
  loadSettingWindows,
  type OwnerInfo,
  type SettingWindow,
  stageCountedLeads,
} from './lead-distribution.js';
import { type RoutingSummary, routingSummary } from './lead-routing-summary.js';

/** Who was in the rotation: from imported rep settings, or everyone active at equal weight. */
export type RotationSource = 'settings' | 'equal';

export interface LeadFlag {
  readonly leadId: string;
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly assignedAt: Date;
  /** Local date of the assignment. */
  readonly day: string;
  /** Why the owner had no share, e.g. "is outside the rotation (…)". */
  readonly why: string;
  readonly reason: string;
}

/** All leads one owner received while outside the rotation: one flag, however many leads. */
export interface OffRotationFlag {
  readonly ownerId: string;
  readonly ownerEmail: string;
  /** Every lead id, in assignment order (the text names only the first few). */
  readonly leadIds: readonly string[];
  readonly firstDay: string;
  readonly lastDay: string;
  readonly reason: string;
}

/** Lead ids a flag's sentence names before it says "and N more". */
export const LEAD_IDS_NAMED = 5;

/**
 * One flag per owner instead of one per lead: a deactivated rep who kept receiving leads for a
 * month is one finding, and a list of 120 near-identical lines buries the reps that matter.
 */
export function groupOffRotation(leadFlags: readonly LeadFlag[]): OffRotationFlag[] {
  const byOwner = new Map<string, LeadFlag[]>();
  for (const flag of leadFlags) byOwner.set(flag.ownerId, [...(byOwner.get(flag.ownerId) ?? []), flag]);
  return [...byOwner.values()]
    .map((flags) => {
      const sorted = [...flags].sort((a, b) => a.assignedAt.getTime() - b.assignedAt.getTime());
      const first = sorted[0]!;
      const last = sorted[sorted.length - 1]!;
      const ids = sorted.map((f) => f.leadId);
      const count = ids.length;
      const when = first.day === last.day ? `on ${first.day}` : `between ${first.day} and ${last.day}`;
      const named = ids.slice(0, LEAD_IDS_NAMED).join(', ');
      const more = count > LEAD_IDS_NAMED ? ` and ${count - LEAD_IDS_NAMED} more (all in --csv)` : '';
      return {
        ownerId: first.ownerId,
        ownerEmail: first.ownerEmail,
        leadIds: ids,
        firstDay: first.day,
        lastDay: last.day,
        reason: `${first.ownerEmail} ${first.why} but received ${count} lead${count === 1 ? '' : 's'} ${when}: ${named}${more}`,
      };
    })
    .sort((a, b) => b.leadIds.length - a.leadIds.length || a.ownerEmail.localeCompare(b.ownerEmail));
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
  /** The same leads, one flag per owner (what people read). */
  readonly offRotationFlags: readonly OffRotationFlag[];
  readonly repInputs: ReadonlyMap<string, AuditRepInput>;
  /** What routing did in the period and what people changed after it; null without rules. */
  readonly routing: RoutingSummary | null;
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

function outsideWhy(rep: AuditRepInput | undefined, rotation: RotationSource): string {
  return rep?.weights?.some((w) => w > 0)
    ? 'was not in the rotation on those days (no weight in the rep settings for those dates)'
    : rotation === 'settings'
      ? 'is outside the rotation (not listed, or weight 0, in the rep settings)'
      : 'is outside the rotation (not an active rep)';
}

function leadFlagReason(
  lead: CountedLead,
  rep: AuditRepInput | undefined,
  when: string,
  why: string,
): string {
  return `lead ${lead.leadId} assigned on ${when} to ${rep?.ownerEmail ?? lead.ownerId}, who ${why}`;
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
  const [owners, windows, routing] = await Promise.all([
    loadOwners(db, connection.id),
    loadSettingWindows(db, window),
    routingSummary(db, connection, period, asOf),
  ]);
  const inputsAndAudit = await inAnalyticsTransaction(db, async (trx) => {
    await stageCountedLeads(trx, window);
    const cells = await countLeadsByRepDay(trx);
    const inputs = rotationInputs(days, cells, owners, windows);
    const audit = auditDistribution({ days, reps: [...inputs.values()], cells });
    return { inputs, audit, offRotationLeads: await countedLeadsIn(trx, audit.offRotation) };
  });
  const { inputs, audit, offRotationLeads } = inputsAndAudit;
  const rotation: RotationSource = windows === null ? 'equal' : 'settings';
  const leadFlags = offRotationLeads.map((lead) => {
    const rep = inputs.get(lead.ownerId);
    const day = days[lead.day] ?? localDate(lead.assignedAt, connection.timeZone);
    const why = outsideWhy(rep, rotation);
    return {
      leadId: lead.leadId,
      ownerId: lead.ownerId,
      ownerEmail: rep?.ownerEmail ?? lead.ownerId,
      assignedAt: lead.assignedAt,
      day,
      why,
      reason: leadFlagReason(lead, rep, day, why),
    };
  });
  const offRotationFlags = groupOffRotation(leadFlags);
  return {
    connection,
    period,
    asOf,
    days,
    rotation,
    audit,
    leadFlags,
    offRotationFlags,
    repInputs: inputs,
    routing,
  };
}
