import type { Db } from '../db.js';

/**
 * What one run's push did, per value, for `sync --json` (DESIGN §7): the rejections with the
 * CRM's reason, and on a dry run the preview. Read from push_results, the stage's record.
 */
export interface Rejection {
  readonly object: string;
  readonly recordId: string;
  readonly field: string;
  readonly reason: string;
}

export type PreviewValue = string | number | null;

export interface PreviewEntry {
  readonly object: string;
  readonly recordId: string;
  readonly field: string;
  readonly from: PreviewValue;
  readonly to: PreviewValue;
}

export async function runRejections(db: Db, runId: number): Promise<readonly Rejection[]> {
  const rows = await db
    .selectFrom('push_results')
    .select(['object', 'record_id', 'field', 'reason'])
    .where('run_id', '=', runId)
    .where('outcome', '=', 'rejected')
    .orderBy('object')
    .orderBy('record_id')
    .orderBy('field')
    .execute();
  return rows.map((r) => ({
    object: r.object,
    recordId: r.record_id,
    field: r.field,
    reason: r.reason ?? 'Rejected by the CRM.',
  }));
}

export async function runPreview(db: Db, runId: number): Promise<readonly PreviewEntry[]> {
  const rows = await db
    .selectFrom('push_results as r')
    .leftJoin('push_outbox as o', (j) =>
      j
        .onRef('o.connection_id', '=', 'r.connection_id')
        .onRef('o.object', '=', 'r.object')
        .onRef('o.record_id', '=', 'r.record_id')
        .onRef('o.field', '=', 'r.field'),
    )
    .select(['r.object', 'r.record_id', 'r.field', 'r.value', 'r.previous', 'o.kind'])
    .where('r.run_id', '=', runId)
    .where('r.outcome', '=', 'preview')
    .orderBy('r.object')
    .orderBy('r.record_id')
    .orderBy('r.field')
    .execute();
  // The outbox row is still there after a dry run; the pattern covers a row pushed since.
  const typed = (value: string | null, kind: string | null): PreviewValue =>
    value !== null && (kind ?? (/^-?\d+(\.\d+)?$/.test(value) ? 'number' : 'text')) === 'number'
      ? Number(value)
      : value;
  return rows.map((r) => ({
    object: r.object,
    recordId: r.record_id,
    field: r.field,
    from: typed(r.previous, r.kind),
    to: typed(r.value, r.kind),
  }));
}
