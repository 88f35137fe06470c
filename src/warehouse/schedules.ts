import { sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * `schedules`: when each connection syncs by itself. Postgres is the record; the BullMQ job
 * schedulers are derived from these rows (src/schedule/). Removed connections' schedules are
 * deleted with them and never listed.
 */
export interface ScheduleRow {
  readonly connectionId: number;
  readonly cron: string;
  readonly timeZone: string;
  readonly enabled: boolean;
}

export interface NamedSchedule extends ScheduleRow {
  readonly name: string;
}

/** Sets or replaces a connection's schedule, enabled. */
export async function setSchedule(
  db: Db,
  connectionId: number,
  cron: string,
  timeZone: string,
): Promise<void> {
  await db
    .insertInto('schedules')
    .values({ connection_id: connectionId, cron, time_zone: timeZone, enabled: true })
    .onConflict((oc) =>
      oc
        .column('connection_id')
        .doUpdateSet({ cron, time_zone: timeZone, enabled: true, updated_at: sql`now()` }),
    )
    .execute();
}

/** Pauses or resumes; false when the connection has no schedule. */
export async function setScheduleEnabled(db: Db, connectionId: number, enabled: boolean): Promise<boolean> {
  const result = await db
    .updateTable('schedules')
    .set({ enabled, updated_at: sql`now()` })
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** False when the connection had no schedule. */
export async function removeSchedule(db: Db, connectionId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('schedules')
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Schedules of connections not removed, by connection name. */
export async function listSchedules(db: Db): Promise<NamedSchedule[]> {
  const rows = await db
    .selectFrom('schedules')
    .innerJoin('connections', 'connections.id', 'schedules.connection_id')
    .select([
      'connections.name',
      'schedules.connection_id',
      'schedules.cron',
      'schedules.time_zone',
      'schedules.enabled',
    ])
    .where('connections.removed_at', 'is', null)
    .orderBy('connections.name')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    connectionId: r.connection_id,
    cron: r.cron,
    timeZone: r.time_zone,
    enabled: r.enabled,
  }));
}

/** One connection's schedule with when it was last set, paused or resumed; undefined without one. */
export async function getSchedule(
  db: Db,
  connectionId: number,
): Promise<(ScheduleRow & { readonly updatedAt: Date }) | undefined> {
  const row = await db
    .selectFrom('schedules')
    .select(['connection_id', 'cron', 'time_zone', 'enabled', 'updated_at'])
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  return row
    ? {
        connectionId: row.connection_id,
        cron: row.cron,
        timeZone: row.time_zone,
        enabled: row.enabled,
        updatedAt: row.updated_at,
      }
    : undefined;
}
