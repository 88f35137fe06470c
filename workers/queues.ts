import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * One queue carries every stage of every connection's runs; the job name is the stage. Job ids
 * are `<stage>-<runId>-<runKey>` (no `:`, which BullMQ reserves), so adding a stage twice is a
 * no-op, while a run of a recreated database (whose ids start again at 1) never collides with
 * a job an earlier database's run left in Redis.
 */
export const SYNC_QUEUE = 'sync';

export const STAGES = ['pull', 'route', 'compute', 'push'] as const;
export type Stage = (typeof STAGES)[number];

export const stageJobSchema = z.object({
  runId: z.number().int().positive(),
  connectionId: z.number().int().positive(),
  /** sync_runs.run_key; absent only on jobs enqueued before run keys existed. */
  runKey: z.uuid().optional(),
});
export type StageJob = z.infer<typeof stageJobSchema>;

/** What a job scheduler enqueues on its cron: a request that becomes (or merges into) a run. */
export const syncRequestSchema = z.object({ connectionId: z.number().int().positive() });
export type SyncRequestJob = z.infer<typeof syncRequestSchema>;

export type JobName = Stage | 'sync-request';

/** Retention on every job: enough to debug a week, bounded so Redis does not grow forever. */
export const JOB_DEFAULTS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
};

export function stageJobId(stage: Stage, runId: number, runKey?: string): string {
  return runKey ? `${stage}-${runId}-${runKey}` : `${stage}-${runId}`;
}

export function createSyncQueue(connection: Redis, prefix: string): Queue {
  return new Queue(SYNC_QUEUE, { connection, prefix, defaultJobOptions: JOB_DEFAULTS });
}

export async function enqueueStage(queue: Queue, stage: Stage, job: StageJob): Promise<void> {
  await queue.add(stage, stageJobSchema.parse(job), {
    ...JOB_DEFAULTS,
    jobId: stageJobId(stage, job.runId, job.runKey),
  });
}
