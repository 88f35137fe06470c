import { QueueEvents } from 'bullmq';
import { type ProgressEvent, progressPayloadSchema } from '../../workers/progress.js';
import { SYNC_QUEUE } from '../../workers/queues.js';
import { createRedis } from '../redis.js';

/**
 * Follows one run's progress from whichever worker runs its stages (this process's or another's):
 * BullMQ's QueueEvents stream carries every job's `updateProgress`, and only this run's stage jobs
 * (`<stage>-<runId>-<runKey>`, workers/queues.ts) with a payload of our shape are passed on.
 */
export interface RunProgressWatch {
  close(): Promise<void>;
}

export async function watchRunProgress(options: {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly runId: number;
  readonly runKey: string;
  readonly onProgress: (event: ProgressEvent) => void;
}): Promise<RunProgressWatch> {
  // QueueEvents blocks on its connection: it needs its own, one that waits out a Redis restart.
  const connection = createRedis(options.redisUrl, 'worker');
  const events = new QueueEvents(SYNC_QUEUE, { connection, prefix: options.prefix });
  const suffix = `-${options.runId}-${options.runKey}`;
  events.on('progress', ({ jobId, data }) => {
    if (!jobId.endsWith(suffix)) return;
    const payload = progressPayloadSchema.safeParse(data);
    if (payload.success && payload.data.runId === options.runId) options.onProgress(payload.data.event);
  });
  // A watcher that cannot reach Redis shows no progress; the run itself is not its business.
  events.on('error', () => {});
  await events.waitUntilReady();
  return {
    async close() {
      await events.close();
      connection.disconnect();
    },
  };
}
