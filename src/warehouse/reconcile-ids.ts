import { sql } from 'kysely';
import type { Db } from '../db.js';
import { markReconciled } from './checkpoints.js';
import { markDealsMissing } from './deal-tables.js';
import { markLeadsMissing } from './lead-tables.js';

/**
 * Hard-delete reconciliation: every id the CRM still has is staged in a session-local temporary
 * table (`reconcile_ids`, which this module alone writes), so a million ids cost one anti-join,
 * not a million statements; then every live row absent from it is marked deleted and the
 * reconciliation recorded, in one transaction. Only a complete id listing is trusted.
 */
export async function reconcileDeleted(
  db: Db,
  connectionId: number,
  kind: 'deal' | 'lead',
  existingIds: AsyncIterable<readonly string[]>,
  runId: number | null,
): Promise<number> {
  const markMissing = kind === 'deal' ? markDealsMissing : markLeadsMissing;
  return db.connection().execute(async (conn) => {
    await sql`create temp table if not exists reconcile_ids (external_id text primary key) on commit preserve rows`.execute(
      conn,
    );
    await sql`truncate reconcile_ids`.execute(conn);
    for await (const ids of existingIds) {
      if (ids.length === 0) continue;
      await sql`insert into reconcile_ids select unnest(${[...ids]}::text[]) on conflict do nothing`.execute(
        conn,
      );
    }
    const result = await conn.transaction().execute(async (trx) => {
      const marked = await markMissing(trx, connectionId);
      await markReconciled(trx, connectionId, runId);
      return marked;
    });
    await sql`drop table if exists reconcile_ids`.execute(conn);
    return result;
  });
}
