import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * Alerts have a queue of their own, so a dead webhook's retries never take a slot a sync stage
 * needs. Jobs are thin and idempotent: an evaluation re-reads the connection's state row (runs
 * already judged are never judged again), a delivery is keyed by its row (one per transition and
 * destination) and skips itself once sent. Job ids only merge duplicates while they are pending.
 */
export const ALERT_QUEUE = 'alerts';
/** How often the worker looks for stale connections and for deliveries whose job was lost. */
export const ALERT_SWEEP_EVERY_MS = 5 * 60_000;
export const ALERT_SWEEP_SCHEDULER = 'alert-sweep';

export const alertEvaluateSchema = z.object({
  connectionId: z.number().int().positive(),
  runId: z.number().int().positive().optional(),
});
export const alertDeliverSchema = z.object({ deliveryId: z.number().int().positive() });

export type AlertJobName = 'alert-evaluate' | 'alert-deliver' | 'alert-sweep';

const ALERT_JOB_DEFAULTS: JobsOptions = {
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600, count: 1000 },
};

export function createAlertQueue(connection: Redis, prefix: string): Queue {
  return new Queue(ALERT_QUEUE, { connection, prefix, defaultJobOptions: ALERT_JOB_DEFAULTS });
}

/** After a run finished: keyed by the run, so the processor's retries of that step add it once. */
export async function enqueueAlertEvaluation(
  queue: Queue,
  job: z.infer<typeof alertEvaluateSchema>,
  runKey?: string,
): Promise<void> {
  const key =
    job.runId === undefined ? `c${job.connectionId}-${Date.now()}` : `${job.runId}-${runKey ?? 'r'}`;
  await queue.add('alert-evaluate', alertEvaluateSchema.parse(job), {
    ...ALERT_JOB_DEFAULTS,
    // A database hiccup should not lose a transition; the evaluation is idempotent.
    attempts: 3,
    backoff: { type: 'exponential', delay: 2000 },
    jobId: `alert-evaluate-${key}`,
  });
}

/** One job per delivery row; the retries with backoff happen inside it (src/alerts/post-alert.ts). */
export async function enqueueAlertDeliveries(
  queue: Queue,
  deliveries: readonly { readonly id: number; readonly key: string }[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await queue.addBulk(
    deliveries.map((d) => ({
      name: 'alert-deliver',
      data: alertDeliverSchema.parse({ deliveryId: d.id }),
      opts: { ...ALERT_JOB_DEFAULTS, jobId: alertDeliverJobId(d) },
    })),
  );
}

/** `alert-deliver-<id>-<key>`: the key keeps a recreated database's delivery 1 from matching an old job. */
export function alertDeliverJobId(d: { readonly id: number; readonly key: string }): string {
  return `alert-deliver-${d.id}-${d.key}`;
}

/** The repeatable staleness sweep; one scheduler however many workers start. */
export async function ensureAlertSweep(queue: Queue, everyMs = ALERT_SWEEP_EVERY_MS): Promise<void> {
  await queue.upsertJobScheduler(
    ALERT_SWEEP_SCHEDULER,
    { every: everyMs },
    { name: 'alert-sweep', opts: ALERT_JOB_DEFAULTS },
  );
}
