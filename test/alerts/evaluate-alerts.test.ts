import { describe, expect, it } from 'vitest';
import { formatAlert } from '../../src/alerts/alert-message.js';
import {
  type AlertSchedule,
  type AlertStateSnapshot,
  evaluateAlerts,
  type FinishedRun,
  INITIAL_ALERT_STATE,
  quarantineShare,
  scheduleIntervalMs,
} from '../../src/alerts/evaluate-alerts.js';

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

let nextId = 1;
function run(
  status: FinishedRun['status'],
  finishedAt: string,
  counts: FinishedRun['counts'] = {},
): FinishedRun {
  return {
    id: nextId++,
    status,
    finishedAt: at(finishedAt),
    error: status === 'failed' ? 'HubSpot refused the access token' : null,
    counts,
  };
}

/** Feeds the runs one evaluation at a time, as the worker does after each run. */
function feed(runs: FinishedRun[], schedule: AlertSchedule | null = null, start = INITIAL_ALERT_STATE) {
  let state: AlertStateSnapshot = start;
  const kinds: string[] = [];
  for (const r of runs) {
    const result = evaluateAlerts({ previous: state, runs: [r], schedule, now: r.finishedAt });
    state = result.state;
    kinds.push(...result.events.map((e) => e.kind));
  }
  return { state, kinds };
}

describe('evaluateAlerts: once per change', () => {
  it('three failed runs in a row are one "failed"; the success after them one "recovered"', () => {
    const { state, kinds } = feed([
      run('succeeded', '2026-12-01T06:00:00Z'),
      run('failed', '2026-12-01T07:00:00Z'),
      run('failed', '2026-12-01T08:00:00Z'),
      run('failed', '2026-12-01T09:00:00Z'),
      run('succeeded', '2026-12-01T10:00:00Z'),
      run('succeeded', '2026-12-01T11:00:00Z'),
    ]);
    expect(kinds).toEqual(['failed', 'recovered']);
    expect(state).toMatchObject({ health: 'ok', changedAt: at('2026-12-01T10:00:00Z') });
    expect(state.lastSuccessAt).toEqual(at('2026-12-01T11:00:00Z'));
  });

  it('the first success ever is no news; a first failure is', () => {
    expect(feed([run('succeeded', '2026-12-01T06:00:00Z')]).kinds).toEqual([]);
    expect(feed([run('failed', '2026-12-01T06:00:00Z')]).kinds).toEqual(['failed']);
  });

  it('deferred is its own change: failed → deferred → deferred → partial says failed, deferred, recovered', () => {
    const { kinds } = feed([
      run('failed', '2026-12-01T06:00:00Z'),
      run('deferred', '2026-12-01T07:00:00Z'),
      run('deferred', '2026-12-01T08:00:00Z'),
      run('partial', '2026-12-01T09:00:00Z'),
    ]);
    expect(kinds).toEqual(['failed', 'deferred', 'recovered']);
  });

  it('a cancelled run changes nothing', () => {
    const { kinds, state } = feed([
      run('failed', '2026-12-01T06:00:00Z'),
      run('cancelled', '2026-12-01T07:00:00Z'),
    ]);
    expect(kinds).toEqual(['failed']);
    expect(state.health).toBe('failed');
  });

  it('runs already judged are ignored, so evaluating the same runs twice announces nothing twice', () => {
    const runs = [run('failed', '2026-12-01T06:00:00Z'), run('failed', '2026-12-01T07:00:00Z')];
    const first = evaluateAlerts({
      previous: INITIAL_ALERT_STATE,
      runs,
      schedule: null,
      now: at('2026-12-01T08:00:00Z'),
    });
    expect(first.events.map((e) => e.kind)).toEqual(['failed']);
    const again = evaluateAlerts({
      previous: first.state,
      runs,
      schedule: null,
      now: at('2026-12-01T08:00:00Z'),
    });
    expect(again.events).toEqual([]);
    expect(again.state).toEqual(first.state);
  });
});

describe('evaluateAlerts: quarantine spike (strictly more than 1% of the records a run read)', () => {
  // Records = saved (owners + pipelines + deals + leads) + quarantined, since the saved counts leave
  // the quarantined ones out: 1 of 99 + 1 = 100 is exactly 1% (no spike), 2 of 98 + 2 = 100 is 2%.
  it.each([
    [{ deals: 99, quarantined: 1 }, 1, 100, false],
    [{ deals: 98, quarantined: 2 }, 2, 100, true],
    [{ owners: 5, pipelines: 1, deals: 180, leads: 12, quarantined: 3 }, 3, 201, true],
    [{}, 0, 0, false],
  ])('%o → %i of %i, spike %s', (counts, quarantined, records, spike) => {
    expect(quarantineShare(counts)).toEqual({ quarantined, records });
    const { kinds } = feed([run('partial', '2026-12-01T06:00:00Z', counts)]);
    expect(kinds).toEqual(spike ? ['quarantine_spike'] : []);
  });

  it('two spiking runs in a row are one message; a clean run in between makes the next spike news again', () => {
    const spiky = { deals: 90, quarantined: 10 };
    const { kinds } = feed([
      run('partial', '2026-12-01T06:00:00Z', spiky),
      run('partial', '2026-12-01T07:00:00Z', spiky),
      run('succeeded', '2026-12-01T08:00:00Z', { deals: 100 }),
      run('partial', '2026-12-01T09:00:00Z', spiky),
    ]);
    expect(kinds).toEqual(['quarantine_spike', 'quarantine_spike']);
  });

  it('says how many of how many in the message', () => {
    const { state } = feed([run('succeeded', '2026-12-01T05:00:00Z')]);
    const r = run('partial', '2026-12-01T06:00:00Z', { deals: 98, quarantined: 2 });
    const [event] = evaluateAlerts({ previous: state, runs: [r], schedule: null, now: r.finishedAt }).events;
    expect(event && formatAlert('acme', event).text).toBe(
      `:warning: "acme" quarantined 2 of 100 records (2.0%) in one run; see \`salesops runs show ${r.id}\`.`,
    );
  });
});

describe('evaluateAlerts: stale (no success within twice the schedule interval)', () => {
  const hourly: AlertSchedule = {
    cron: '0 * * * *',
    timeZone: 'UTC',
    enabled: true,
    since: at('2026-12-01T00:00:00Z'),
  };

  it('an hourly schedule whose last success was at 10:00:30 is stale after 12:00:30, once', () => {
    // The two runs cron plans after 10:00:30 are 11:00 and 12:00: interval 1 h, so 2 h after the success.
    const { state } = feed([run('succeeded', '2026-12-01T10:00:30Z')], hourly);
    const evaluate = (previous: AlertStateSnapshot, now: string) =>
      evaluateAlerts({ previous, runs: [], schedule: hourly, now: at(now) });
    expect(evaluate(state, '2026-12-01T12:00:30Z').events).toEqual([]);
    const stale = evaluate(state, '2026-12-01T12:00:31Z');
    expect(stale.events).toEqual([
      {
        kind: 'stale',
        at: at('2026-12-01T12:00:31Z'),
        runId: null,
        detail: { lastSuccessAt: at('2026-12-01T10:00:30Z'), intervalMs: HOUR },
      },
    ]);
    expect(stale.state.health).toBe('stale');
    // The sweep every 5 minutes sees the same staleness: nothing more is sent.
    expect(evaluate(stale.state, '2026-12-01T12:05:31Z').events).toEqual([]);
    expect(evaluate(stale.state, '2026-12-01T18:00:00Z').events).toEqual([]);
    // The next success is a recovery.
    const back = evaluateAlerts({
      previous: stale.state,
      runs: [run('succeeded', '2026-12-01T18:00:40Z')],
      schedule: hourly,
      now: at('2026-12-01T18:00:40Z'),
    });
    expect(back.events.map((e) => e.kind)).toEqual(['recovered']);
  });

  it('counts from when the schedule was set or resumed when that is later than the last success', () => {
    const { state } = feed([run('succeeded', '2026-11-01T10:00:00Z')]);
    const resumed = { ...hourly, since: at('2026-12-01T09:30:00Z') };
    const now = (iso: string) =>
      evaluateAlerts({ previous: state, runs: [], schedule: resumed, now: at(iso) });
    expect(now('2026-12-01T11:30:00Z').events).toEqual([]);
    expect(now('2026-12-01T11:30:01Z').events.map((e) => e.kind)).toEqual(['stale']);
  });

  it('a paused schedule, no schedule, or a connection already failed is never stale', () => {
    const { state } = feed([run('succeeded', '2026-12-01T10:00:00Z')]);
    const late = at('2026-12-05T00:00:00Z');
    expect(
      evaluateAlerts({ previous: state, runs: [], schedule: { ...hourly, enabled: false }, now: late })
        .events,
    ).toEqual([]);
    expect(evaluateAlerts({ previous: state, runs: [], schedule: null, now: late }).events).toEqual([]);
    const failed = feed([run('failed', '2026-12-01T11:00:00Z')], null, state).state;
    expect(evaluateAlerts({ previous: failed, runs: [], schedule: hourly, now: late }).events).toEqual([]);
  });

  it('the interval follows the cron: weekdays at 06:00 from a Friday evening is Monday → Tuesday, 24 h', () => {
    // 2026-12-04 is a Friday; the next two runs are Mon 7th and Tue 8th 06:00 Berlin.
    expect(
      scheduleIntervalMs({ cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin' }, at('2026-12-04T18:00:00Z')),
    ).toBe(24 * HOUR);
    expect(scheduleIntervalMs({ cron: '*/15 * * * *', timeZone: 'UTC' }, at('2026-12-04T18:01:00Z'))).toBe(
      15 * 60_000,
    );
  });
});
