import type { Job } from 'bullmq';
import { z } from 'zod';
import type { BudgetWait } from '../connectors/rate-budget.js';
import type { Logger } from '../src/logger.js';
import { STAGES } from './queues.js';

/**
 * What a stage job tells whoever watches its run (the progress line of `salesops sync`), through
 * BullMQ's job progress: `job.updateProgress` here, a QueueEvents 'progress' event in the watcher,
 * so a worker in another process reports exactly as the in-process one does. Counts are running
 * totals, so a watcher that missed an event is right again at the next.
 */
export const progressEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stage'), stage: z.enum(STAGES) }),
  z.object({
    type: z.literal('pull'),
    stream: z.string().min(1),
    pages: z.number().int().nonnegative(),
    records: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('compute'),
    step: z.string().min(1),
    done: z.number().int().nonnegative(),
    total: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('push'),
    written: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    calls: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('wait'),
    crm: z.enum(['hubspot', 'salesforce']),
    /**
     * window: our budget holds the request for the vendor's rolling window; search: HubSpot's
     * search limit; retry: the vendor refused (429) and the stage retries after its Retry-After;
     * daily: the daily allowance is spent and the run is deferred to the next one.
     */
    reason: z.enum(['window', 'search', 'retry', 'daily']),
    waitMs: z.number().nonnegative(),
    windowMs: z.number().int().positive().optional(),
  }),
]);
export type ProgressEvent = z.infer<typeof progressEventSchema>;

/** The payload of one progress update: the run it belongs to and the event. */
export const progressPayloadSchema = z.object({
  runId: z.number().int().positive(),
  event: progressEventSchema,
});
export type ProgressPayload = z.infer<typeof progressPayloadSchema>;

/** What the processor hands a connector's builder so its rate waits reach the job's progress. */
export interface ConnectorHooks {
  readonly onRateWait?: (wait: BudgetWait) => void;
}

export interface ProgressReporter {
  report(event: ProgressEvent): void;
  /** Resolves when every report so far has reached Redis (or failed, logged). */
  flush(): Promise<void>;
}

/** Budget sleeps shorter than this are the normal pace of a busy window, not worth a line. */
export const SHORT_WAIT_MS = 250;

/**
 * Reports in order, without making the stage wait for Redis: a progress update is a display,
 * so one that fails is logged at debug and the stage goes on.
 */
export function jobProgressReporter(
  job: Pick<Job, 'updateProgress'>,
  runId: number,
  log: Logger,
): ProgressReporter {
  let chain: Promise<void> = Promise.resolve();
  return {
    report(event) {
      const payload: ProgressPayload = { runId, event };
      chain = chain
        .then(() => job.updateProgress(payload))
        .catch((error: unknown) => log.debug({ err: error }, 'progress update failed'));
    },
    flush: () => chain,
  };
}

export const silentReporter: ProgressReporter = { report() {}, flush: () => Promise.resolve() };
