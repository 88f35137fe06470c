import type { Queue } from 'bullmq';
import type { Db } from '../db.js';
import { listSchedules } from '../warehouse/schedules.js';

/**
 * Postgres `schedules` is the record; BullMQ job schedulers are derived from it. Upserting by a
 * stable id makes this safe to run from several workers at once: they converge on exactly one
 * scheduler per enabled schedule, and paused or removed schedules lose theirs.
 */
export const schedulerId = (connectionId: number): string => `sync-connection-${connectionId}`;

export interface ReconcileResult {
  readonly upserted: number;
  readonly removed: number;
}

export async function reconcileSchedules(db: Db, queue: Queue): Promise<ReconcileResult> {
  const schedules = await listSchedules(db);
  const wanted = new Set<string>();
  for (const s of schedules) {
    if (!s.enabled) continue;
    const id = schedulerId(s.connectionId);
    wanted.add(id);
    await queue.upsertJobScheduler(
      id,
      { pattern: s.cron, tz: s.timeZone },
      { name: 'sync-request', data: { connectionId: s.connectionId } },
    );
  }
  let removed = 0;
  for (const scheduler of await queue.getJobSchedulers(0, -1)) {
    const id = scheduler.key;
    if (id.startsWith('sync-connection-') && !wanted.has(id)) {
      await queue.removeJobScheduler(id);
      removed++;
    }
  }
  return { upserted: wanted.size, removed };
}
