import { type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { deliverAlert } from '../src/alerts/deliver-alert.js';
import { evaluateConnectionAlerts } from '../src/alerts/evaluate-connection.js';
import type { DeliveryIo, DeliveryPolicy } from '../src/alerts/post-alert.js';
import type { Db } from '../src/db.js';
import type { Logger } from '../src/logger.js';
import { scheduledConnectionIds, strandedAlertDeliveries } from '../src/warehouse/alerts.js';
import {
  ALERT_QUEUE,
  type AlertJobName,
  alertDeliverSchema,
  alertEvaluateSchema,
  enqueueAlertDeliveries,
  ensureAlertSweep,
} from './alert-queue.js';

export interface AlertDeps {
  readonly db: Db;
  readonly queue: Queue;
  readonly logger: Logger;
  /** The clock the evaluations use (staleness); injected by tests. */
  readonly now?: () => Date;
  readonly delivery?: DeliveryIo;
  readonly policy?: DeliveryPolicy;
}

/** A delivery whose job was lost (a worker killed between commit and enqueue) is re-sent after this. */
const STRANDED_AFTER_MS = 10 * 60_000;

/** The alert jobs' processor: payload schema → src/alerts → the next job. */
export function createAlertProcessor(deps: AlertDeps) {
  const now = deps.now ?? (() => new Date());
  const evaluate = async (connectionId: number) => {
    const result = await evaluateConnectionAlerts(deps.db, connectionId, now());
    await enqueueAlertDeliveries(deps.queue, result.deliveries);
    if (result.events.length > 0) {
      deps.logger.info(
        { connection: connectionId, events: result.events.map((e) => e.kind) },
        'alert state changed',
      );
    }
    return result;
  };
  return async function process(job: Job) {
    switch (job.name as AlertJobName) {
      case 'alert-evaluate':
        return evaluate(alertEvaluateSchema.parse(job.data).connectionId);
      case 'alert-deliver': {
        const { deliveryId } = alertDeliverSchema.parse(job.data);
        const result = await deliverAlert(deps.db, deliveryId, deps.delivery, deps.policy);
        if ('delivered' in result && !result.delivered) {
          deps.logger.warn(
            { deliveryId, attempts: result.attempts, error: result.error },
            'alert not delivered',
          );
        }
        return result;
      }
      case 'alert-sweep': {
        const ids = await scheduledConnectionIds(deps.db);
        for (const id of ids) await evaluate(id);
        const stranded = await strandedAlertDeliveries(
          deps.db,
          new Date(now().getTime() - STRANDED_AFTER_MS),
        );
        await enqueueAlertDeliveries(deps.queue, stranded);
        return { evaluated: ids.length, stranded: stranded.length };
      }
      default:
        return { skipped: true, reason: `unknown alert job ${job.name}` };
    }
  };
}

export interface AlertWorker {
  readonly worker: Worker;
  close(force?: boolean): Promise<void>;
}

/** Serves the alerts queue beside the sync worker; the sweep's scheduler is upserted on start. */
export async function startAlertWorker(
  deps: AlertDeps & {
    readonly connection: Redis;
    readonly prefix: string;
    readonly concurrency?: number;
    /** How often the sweep runs (default 5 minutes); null: no sweep (tests add sweep jobs themselves). */
    readonly sweepEveryMs?: number | null;
  },
): Promise<AlertWorker> {
  const worker = new Worker(ALERT_QUEUE, createAlertProcessor(deps), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency ?? 4,
    name: 'salesops-alerts',
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'alert worker error'));
  await worker.waitUntilReady();
  if (deps.sweepEveryMs !== null) await ensureAlertSweep(deps.queue, deps.sweepEveryMs);
  return { worker, close: (force) => worker.close(force) };
}
