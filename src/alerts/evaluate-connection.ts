import type { Db } from '../db.js';
import type { DeliveryRef } from '../warehouse/alerts.js';
import { connectionName, destinationsFor, lockAlertState, saveAlertEvaluation } from '../warehouse/alerts.js';
import { getSchedule } from '../warehouse/schedules.js';
import { finishedRunsAfter } from '../warehouse/sync-runs.js';
import { formatAlert } from './alert-message.js';
import { type AlertEvent, evaluateAlerts } from './evaluate-alerts.js';

export interface ConnectionEvaluation {
  readonly events: readonly AlertEvent[];
  /** One per event and destination: what the delivery jobs send. */
  readonly deliveries: readonly DeliveryRef[];
}

/**
 * Evaluates one connection against the warehouse: its state row is locked for the transaction,
 * so evaluations racing each other (a run's job and the staleness sweep) see each change once.
 * Messages are stored as deliveries even when sending is minutes away; with no destination the
 * state still moves, so a destination added later is not flooded with old news.
 */
export async function evaluateConnectionAlerts(
  db: Db,
  connectionId: number,
  now: Date,
): Promise<ConnectionEvaluation> {
  return db.transaction().execute(async (trx) => {
    const previous = await lockAlertState(trx, connectionId);
    const runs = await finishedRunsAfter(trx, connectionId, previous.lastRunId);
    const schedule = await getSchedule(trx, connectionId);
    const { state, events } = evaluateAlerts({
      previous,
      runs,
      schedule: schedule ? { ...schedule, since: schedule.updatedAt } : null,
      now,
    });
    const name = events.length > 0 ? await connectionName(trx, connectionId) : '';
    const messages = events.map((event) => ({ event, message: formatAlert(name, event) }));
    const destinations = messages.length > 0 ? await destinationsFor(trx, connectionId) : [];
    const last = messages.at(-1);
    const deliveries = await saveAlertEvaluation(
      trx,
      connectionId,
      state,
      now,
      last ? { kind: last.event.kind, text: last.message.text, at: last.event.at } : null,
      messages.flatMap(({ event, message }) =>
        destinations.map((d) => ({ destinationId: d.id, kind: event.kind, runId: event.runId, message })),
      ),
    );
    return { events, deliveries };
  });
}
