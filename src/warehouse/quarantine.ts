import type { RejectedRecord } from '../../connectors/connector.js';
import type { Db } from '../db.js';

/**
 * `quarantined_records`: a record that failed validation, with its payload and reason, so one
 * bad record never stops its page. Written in the page's own transaction.
 */
export async function quarantine(
  trx: Db,
  connectionId: number,
  runId: number | null,
  stream: string,
  rejected: readonly RejectedRecord[],
): Promise<void> {
  if (rejected.length === 0) return;
  await trx
    .insertInto('quarantined_records')
    .values(
      rejected.map((r) => ({
        connection_id: connectionId,
        run_id: runId,
        stream,
        external_id: r.externalId,
        payload: JSON.stringify(r.payload ?? null),
        reason: r.reason,
      })),
    )
    .execute();
}
