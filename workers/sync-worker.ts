import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Db } from '../src/db.js';
import type { Logger } from '../src/logger.js';
import { assertRedisDatabase, createRedis } from '../src/redis.js';
import { reconcileSchedules } from '../src/schedule/reconcile-schedules.js';
import { createAlertQueue } from './alert-queue.js';
import { type AlertDeps, startAlertWorker } from './alert-worker.js';
import { SYNC_QUEUE } from './queues.js';
import { createSyncProcessor, type EngineDeps } from './sync-processor.js';

/**
 * A worker serving the sync queue. It owns its lifecycle (hence a class-free handle with
 * close): on close it stops taking jobs, lets running ones finish within the grace period, and
 * then gives the rest up so BullMQ hands them to another worker (they resume from checkpoints).
 */
export interface SyncWorkerOptions extends Omit<EngineDeps, 'workerId' | 'queue'> {
  readonly redisUrl: string;
  readonly queue: Queue;
  readonly prefix: string;
  readonly concurrency: number;
  /** Serve only this run (the in-process worker of `salesops sync`); other jobs are left for others. */
  readonly onlyRunId?: number;
  /** BullMQ lock duration; a dead worker's job is re-run after about this long. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly reconcileOnStart?: boolean;
  /**
   * The alerts worker beside the sync worker (its clock and delivery injectable for tests); false:
   * none. The in-process worker of `salesops sync` only enqueues its run's evaluation, for a
   * running `salesops worker` to deliver, so a slow webhook never holds the command open.
   */
  readonly alerts?:
    | (Pick<AlertDeps, 'now' | 'delivery' | 'policy'> & { readonly sweepEveryMs?: number | null })
    | false;
}

export interface SyncWorker {
  readonly id: string;
  readonly worker: Worker;
  /** The alerts queue's worker; null in the in-process worker of `salesops sync`. */
  readonly alerts: Worker | null;
  /** Drain within graceMs, then force-close (the rest are retried elsewhere). */
  close(graceMs: number): Promise<void>;
}

export async function startSyncWorker(options: SyncWorkerOptions): Promise<SyncWorker> {
  const id = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const connection: Redis = createRedis(options.redisUrl, 'worker');
  try {
    await assertRedisDatabase(connection);
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  const alertConnection: Redis = createRedis(options.redisUrl, 'worker');
  const alertQueue = createAlertQueue(alertConnection, options.prefix);
  const processor = createSyncProcessor({ ...options, workerId: id, alertQueue });
  const foreignDelayMs = 5000;
  const worker = new Worker(
    SYNC_QUEUE,
    async (job: Job, token?: string) => {
      if (options.onlyRunId !== undefined && (job.data as { runId?: number }).runId !== options.onlyRunId) {
        // Not ours: hand it back for a real worker, without spending one of its attempts.
        await job.moveToDelayed(Date.now() + foreignDelayMs, token);
        throw new DelayedError();
      }
      return processor(job, token);
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // A stalled stage is resumable, so let BullMQ re-run it a few times before failing.
      maxStalledCount: 5,
      name: `salesops-${id}`,
    },
  );
  worker.on('error', (error) => options.logger.error({ err: error }, 'worker error'));
  await worker.waitUntilReady();
  if (options.reconcileOnStart !== false && options.onlyRunId === undefined) {
    const result = await reconcileSchedules(options.db as Db, options.queue);
    options.logger.info(result, 'schedules reconciled');
  }
  const alerts =
    options.alerts !== false && options.onlyRunId === undefined
      ? await startAlertWorker({
          ...(options.alerts ?? {}),
          db: options.db,
          queue: alertQueue,
          logger: options.logger,
          connection: alertConnection,
          prefix: options.prefix,
        })
      : null;
  options.logger.info({ workerId: id, concurrency: options.concurrency }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    id,
    worker,
    alerts: alerts?.worker ?? null,
    close(graceMs) {
      closing ??= (async () => {
        const drained = Promise.all([worker.close(), alerts?.close()]).then(() => true);
        const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
        if (!(await Promise.race([drained, timer]))) {
          options.logger.warn({ graceMs }, 'grace period over: releasing running jobs for retry');
          await Promise.all([worker.close(true), alerts?.close(true)]);
        }
        await alertQueue.close();
        connection.disconnect();
        alertConnection.disconnect();
      })();
      return closing;
    },
  };
}

export async function workersServing(queue: Queue): Promise<number> {
  return (await queue.getWorkers()).length;
}

export type { Logger };
