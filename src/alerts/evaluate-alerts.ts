import { CronExpressionParser } from 'cron-parser';
import type { AlertHealth, SyncRunCounts, SyncRunStatus } from '../warehouse/tables.js';

/**
 * The alert rule, pure: the state last evaluated, the runs finished since, the schedule and the
 * clock give the new state and the events to announce. A message goes out when the state
 * *changes* (three failed runs in a row are one "failed"), so the evaluator, not the delivery,
 * is what keeps alerts quiet; evaluating the same inputs twice announces nothing the second time.
 */
export interface AlertStateSnapshot {
  readonly health: AlertHealth;
  readonly changedAt: Date | null;
  readonly lastRunId: number | null;
  readonly lastSuccessAt: Date | null;
  readonly quarantineSpike: boolean;
}

export const INITIAL_ALERT_STATE: AlertStateSnapshot = {
  health: 'unknown',
  changedAt: null,
  lastRunId: null,
  lastSuccessAt: null,
  quarantineSpike: false,
};

export interface FinishedRun {
  readonly id: number;
  readonly status: SyncRunStatus | 'cancelled';
  readonly finishedAt: Date;
  readonly error: string | null;
  readonly counts: SyncRunCounts;
}

export interface AlertSchedule {
  readonly cron: string;
  readonly timeZone: string;
  readonly enabled: boolean;
  /** When the schedule was set or last resumed: a connection is not stale before it had a chance. */
  readonly since: Date;
}

export type AlertKind = 'failed' | 'deferred' | 'recovered' | 'stale' | 'quarantine_spike';

export interface AlertEvent {
  readonly kind: AlertKind;
  readonly at: Date;
  readonly runId: number | null;
  /** The run's error, the quarantine share, or how long since the last success. */
  readonly detail: AlertDetail;
}

export type AlertDetail =
  | { readonly error: string | null }
  | { readonly quarantined: number; readonly records: number }
  | { readonly lastSuccessAt: Date | null; readonly intervalMs: number }
  | { readonly previous: AlertHealth };

export interface AlertEvaluation {
  readonly state: AlertStateSnapshot;
  readonly events: readonly AlertEvent[];
}

/** A spike is strictly more than this share of a run's records quarantined (DESIGN §13). */
export const QUARANTINE_SPIKE_SHARE = 0.01;
/** Stale: no success within this many schedule intervals. */
export const STALE_INTERVALS = 2;

export function evaluateAlerts(input: {
  readonly previous: AlertStateSnapshot;
  /** Runs finished after `previous.lastRunId`, oldest first; earlier ones are ignored. */
  readonly runs: readonly FinishedRun[];
  readonly schedule: AlertSchedule | null;
  readonly now: Date;
}): AlertEvaluation {
  let state = input.previous;
  const events: AlertEvent[] = [];
  const runs = [...input.runs]
    .filter((run) => state.lastRunId === null || run.id > state.lastRunId)
    .sort((a, b) => a.id - b.id);

  for (const run of runs) {
    const health = healthOf(run.status);
    if (health !== null && health !== state.health) {
      const kind = transitionKind(state.health, health);
      if (kind !== null) {
        events.push({
          kind,
          at: run.finishedAt,
          runId: run.id,
          detail: kind === 'recovered' ? { previous: state.health } : { error: run.error },
        });
      }
      state = { ...state, health, changedAt: run.finishedAt };
    }
    if (health === 'ok') state = { ...state, lastSuccessAt: run.finishedAt };

    const { quarantined, records } = quarantineShare(run.counts);
    const spike = records > 0 && quarantined / records > QUARANTINE_SPIKE_SHARE;
    if (spike && !state.quarantineSpike) {
      events.push({
        kind: 'quarantine_spike',
        at: run.finishedAt,
        runId: run.id,
        detail: { quarantined, records },
      });
    }
    state = { ...state, quarantineSpike: spike, lastRunId: run.id };
  }

  const stale = staleness(state, input.schedule, input.now);
  if (stale !== null && state.health !== 'failed' && state.health !== 'stale') {
    events.push({ kind: 'stale', at: input.now, runId: null, detail: stale });
    state = { ...state, health: 'stale', changedAt: input.now };
  }
  return { state, events };
}

function healthOf(status: FinishedRun['status']): AlertHealth | null {
  switch (status) {
    case 'succeeded':
    case 'partial':
      return 'ok';
    case 'failed':
      return 'failed';
    case 'deferred':
      return 'deferred';
    default:
      // A cancelled run says nothing about the connection's health.
      return null;
  }
}

function transitionKind(from: AlertHealth, to: AlertHealth): AlertKind | null {
  if (to === 'failed') return 'failed';
  if (to === 'deferred') return 'deferred';
  // The first success ever is no news; a success after trouble is.
  if (to === 'ok') return from === 'unknown' || from === 'ok' ? null : 'recovered';
  return null;
}

/** Records a run read: distinct records saved plus those quarantined (which the saved counts leave out). */
export function quarantineShare(counts: SyncRunCounts): { quarantined: number; records: number } {
  const quarantined = counts.quarantined ?? 0;
  const read = (counts.owners ?? 0) + (counts.pipelines ?? 0) + (counts.deals ?? 0) + (counts.leads ?? 0);
  return { quarantined, records: read + quarantined };
}

/**
 * The schedule's interval is the gap between the two runs it plans after the reference point
 * (the last success, or the moment the schedule was set or resumed if that is later); the
 * connection is stale once `now` is more than two intervals past that point.
 */
export function staleness(
  state: AlertStateSnapshot,
  schedule: AlertSchedule | null,
  now: Date,
): { lastSuccessAt: Date | null; intervalMs: number } | null {
  if (schedule === null || !schedule.enabled) return null;
  const since =
    state.lastSuccessAt && state.lastSuccessAt > schedule.since ? state.lastSuccessAt : schedule.since;
  const intervalMs = scheduleIntervalMs(schedule, since);
  if (now.getTime() - since.getTime() <= STALE_INTERVALS * intervalMs) return null;
  return { lastSuccessAt: state.lastSuccessAt, intervalMs };
}

export function scheduleIntervalMs(schedule: Pick<AlertSchedule, 'cron' | 'timeZone'>, from: Date): number {
  const plan = CronExpressionParser.parse(schedule.cron, { tz: schedule.timeZone, currentDate: from });
  const first = plan.next().getTime();
  return plan.next().getTime() - first;
}
