import type { LeadAudit } from '../metrics/lead-audit.js';
import type { AssignmentRow } from '../metrics/lead-distribution.js';

/**
 * `audit leads --csv`: one row per assignment in the period (the audit trail), each saying
 * whether it counted, whether its owner was in the rotation that day, and why it was flagged.
 */
export function auditTrailRows(result: LeadAudit, trail: readonly AssignmentRow[]) {
  const flagged = new Map(result.leadFlags.map((flag) => [`${flag.leadId}|${flag.ownerId}`, flag.reason]));
  return trail.map((row) => {
    const rep = result.repInputs.get(row.ownerId);
    return {
      lead_id: row.leadId,
      owner_email: row.ownerEmail ?? rep?.ownerEmail ?? row.ownerId,
      assigned_at: row.assignedAt.toISOString(),
      local_date: result.days[row.day] ?? '',
      source: row.source,
      quality_tier: row.tier,
      score: row.score ?? '',
      rating: row.rating ?? '',
      counted: row.counted,
      in_rotation: row.isQueue ? false : (rep?.weights?.[row.day] ?? 0) > 0,
      note: row.isQueue
        ? 'queue (not a rep; not counted)'
        : row.counted
          ? (flagged.get(`${row.leadId}|${row.ownerId}`) ?? '')
          : 'not the first assignment in the period (or lead deleted)',
    };
  });
}
