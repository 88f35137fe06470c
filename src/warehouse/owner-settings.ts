import type { Db } from '../db.js';

/**
 * `owner_settings`: a rep's lead weight per availability window (migration 004), with its
 * working hours and their zone (migration 20261204_010). The rep
 * settings import is its only writer; the lead audit reads it.
 */
export interface OwnerWindow {
  readonly weight: number;
  /** ISO date, inclusive; null = open-ended. */
  readonly from: string | null;
  readonly to: string | null;
  /** Working hours `HH:MM-HH:MM` (null: all day) and their IANA zone (null: the connection's). */
  readonly hours: string | null;
  readonly timeZone: string | null;
}

const windowKey = (w: OwnerWindow): string =>
  `${w.weight}|${w.from ?? ''}|${w.to ?? ''}|${w.hours ?? ''}|${w.timeZone ?? ''}`;

/**
 * Replaces the windows of each owner in `byOwner` in one transaction, and only for owners whose
 * stored windows differ (as a set), so re-importing a file changes nothing. Owners not listed
 * keep theirs. Returns how many owners changed.
 */
export async function replaceOwnerWindows(
  db: Db,
  connectionId: number,
  byOwner: ReadonlyMap<string, readonly OwnerWindow[]>,
): Promise<number> {
  const ownerIds = [...byOwner.keys()];
  if (ownerIds.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('owner_settings')
      .select(['owner_id', 'lead_weight', 'available_from', 'available_to', 'working_hours', 'time_zone'])
      .where('connection_id', '=', connectionId)
      .where('owner_id', 'in', ownerIds)
      .forUpdate()
      .execute();
    const stored = new Map<string, string[]>();
    for (const row of existing) {
      const key = windowKey({
        weight: Number(row.lead_weight),
        from: row.available_from,
        to: row.available_to,
        hours: row.working_hours,
        timeZone: row.time_zone,
      });
      stored.set(row.owner_id, [...(stored.get(row.owner_id) ?? []), key]);
    }
    const changedOwners = ownerIds.filter((ownerId) => {
      const next = byOwner.get(ownerId)!.map(windowKey).sort().join(',');
      return (stored.get(ownerId) ?? []).sort().join(',') !== next;
    });
    if (changedOwners.length > 0) {
      await trx
        .deleteFrom('owner_settings')
        .where('connection_id', '=', connectionId)
        .where('owner_id', 'in', changedOwners)
        .execute();
      await trx
        .insertInto('owner_settings')
        .values(
          changedOwners.flatMap((ownerId) =>
            byOwner.get(ownerId)!.map((w) => ({
              connection_id: connectionId,
              owner_id: ownerId,
              lead_weight: w.weight,
              available_from: w.from,
              available_to: w.to,
              working_hours: w.hours,
              time_zone: w.timeZone,
            })),
          ),
        )
        .execute();
    }
    return changedOwners.length;
  });
}
