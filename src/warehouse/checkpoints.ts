import { sql } from 'kysely';
import type { Checkpoint } from '../../connectors/connector.js';
import type { Db } from '../db.js';

/**
 * `sync_checkpoints`: where each stream of a connection resumes. A page's checkpoint is written
 * in the same transaction as the rows it covers, so it can never run ahead of the data. The
 * `reconcile` stream records only when hard deletes were last reconciled.
 */
export async function saveCheckpoint(
  trx: Db,
  connectionId: number,
  runId: number | null,
  stream: string,
  checkpoint: Checkpoint | null,
): Promise<void> {
  await trx
    .insertInto('sync_checkpoints')
    .values({ connection_id: connectionId, stream, checkpoint: JSON.stringify(checkpoint), run_id: runId })
    .onConflict((oc) =>
      oc.columns(['connection_id', 'stream']).doUpdateSet({
        checkpoint: JSON.stringify(checkpoint),
        run_id: runId,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

export async function loadCheckpoint(
  db: Db,
  connectionId: number,
  stream: string,
): Promise<Checkpoint | null> {
  const row = await db
    .selectFrom('sync_checkpoints')
    .select('checkpoint')
    .where('connection_id', '=', connectionId)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return (row?.checkpoint as Checkpoint | null | undefined) ?? null;
}

/** When hard deletes were last reconciled; null before the first time. */
export async function lastReconciledAt(db: Db, connectionId: number): Promise<Date | null> {
  const row = await db
    .selectFrom('sync_checkpoints')
    .select('updated_at')
    .where('connection_id', '=', connectionId)
    .where('stream', '=', 'reconcile')
    .executeTakeFirst();
  return row?.updated_at ?? null;
}

export async function markReconciled(trx: Db, connectionId: number, runId: number | null): Promise<void> {
  await sql`insert into sync_checkpoints (connection_id, stream, checkpoint, run_id) values (${connectionId}, 'reconcile', 'null'::jsonb, ${runId})
    on conflict (connection_id, stream) do update set updated_at = now(), run_id = excluded.run_id`.execute(
    trx,
  );
}
