import type { Db } from '../db.js';

/** `payout_reads`: who read whose statement when (DESIGN §13: every read of a payout is logged). */
export interface PayoutRead {
  readonly reader: string;
  readonly connectionId: number;
  readonly ownerId: string;
  readonly periodKey: string | null;
  readonly at?: Date;
}

export async function insertPayoutReads(db: Db, reads: readonly PayoutRead[]): Promise<void> {
  if (reads.length === 0) return;
  await db
    .insertInto('payout_reads')
    .values(
      reads.map((r) => ({
        reader: r.reader,
        connection_id: r.connectionId,
        owner_id: r.ownerId,
        period_key: r.periodKey,
        ...(r.at ? { at: r.at } : {}),
      })),
    )
    .execute();
}

export async function selectPayoutReads(
  db: Db,
  filter: { readonly connectionId?: number; readonly ownerId?: string; readonly limit: number },
): Promise<Required<PayoutRead>[]> {
  let q = db
    .selectFrom('payout_reads')
    .select(['reader', 'connection_id', 'owner_id', 'period_key', 'at'])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.connectionId !== undefined) q = q.where('connection_id', '=', filter.connectionId);
  if (filter.ownerId !== undefined) q = q.where('owner_id', '=', filter.ownerId);
  const rows = await q.execute();
  return rows.map((r) => ({
    reader: r.reader,
    connectionId: r.connection_id,
    ownerId: r.owner_id,
    periodKey: r.period_key,
    at: r.at,
  }));
}
