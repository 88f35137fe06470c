import type { ProgressEvent } from '../../workers/progress.js';

/**
 * The progress of one `salesops sync` as a person reads it: one line per stage, the current one
 * live, with the CRM's rate-limit waits in words. Pure: events (with the time they arrived) fold
 * into a state, and a state and a clock give the lines, so every wording is a table-driven test.
 */
type Stage = Extract<ProgressEvent, { type: 'stage' }>['stage'];
type WaitEvent = Extract<ProgressEvent, { type: 'wait' }>;

export interface StreamCount {
  readonly stream: string;
  readonly pages: number;
  readonly records: number;
}

export interface PushTotals {
  readonly calls: number;
  readonly written: number;
  readonly rejected: number;
}

export interface StageProgress {
  readonly stage: Stage;
  /** Pull: each stream's pages and records, earlier attempts of the stage included. */
  readonly streams: readonly StreamCount[];
  readonly step?: { readonly name: string; readonly done: number; readonly total: number };
  readonly push?: PushTotals;
  /** A retried stage's job counts from zero again: what its earlier attempts reached. */
  readonly carried: { readonly streams: readonly StreamCount[]; readonly push?: PushTotals };
  readonly wait?: { readonly event: WaitEvent; readonly at: number };
}

export interface SyncProgress {
  /** In the order they started; the last one is the stage running now. */
  readonly stages: readonly StageProgress[];
}

export const NO_PROGRESS: SyncProgress = { stages: [] };

const STAGE_OF: Readonly<Record<Exclude<ProgressEvent['type'], 'stage' | 'wait'>, Stage>> = {
  pull: 'pull',
  compute: 'compute',
  push: 'push',
};

function newStage(stage: Stage): StageProgress {
  return { stage, streams: [], carried: { streams: [] } };
}

function addStreams(a: readonly StreamCount[], b: readonly StreamCount[]): StreamCount[] {
  const out = a.map((s) => ({ ...s }));
  for (const s of b) {
    const same = out.find((o) => o.stream === s.stream);
    if (same) {
      same.pages += s.pages;
      same.records += s.records;
    } else out.push({ ...s });
  }
  return out;
}

function addPush(a: PushTotals | undefined, b: PushTotals | undefined): PushTotals | undefined {
  if (!a || !b) return a ?? b;
  return { calls: a.calls + b.calls, written: a.written + b.written, rejected: a.rejected + b.rejected };
}

/** Folds one event, received at `at` (epoch ms, the watcher's clock), into the state. */
export function applyProgress(state: SyncProgress, event: ProgressEvent, at: number): SyncProgress {
  const stages = [...state.stages];
  const last = stages.at(-1);
  if (event.type === 'stage') {
    const seen = stages.findIndex((s) => s.stage === event.stage);
    if (seen < 0) return { stages: [...stages, newStage(event.stage)] };
    // The same stage again: a retry after a wait. Its new job counts afresh on top of the old.
    const s = stages[seen] as StageProgress;
    const push = addPush(s.carried.push, s.push);
    stages[seen] = {
      stage: s.stage,
      streams: [],
      ...(s.step && { step: s.step }),
      carried: { streams: addStreams(s.carried.streams, s.streams), ...(push && { push }) },
    };
    return { stages };
  }
  if (event.type === 'wait') {
    const current = last ?? newStage('pull');
    const next = { ...current, wait: { event, at } };
    return { stages: last ? [...stages.slice(0, -1), next] : [next] };
  }
  // A count for a stage whose start event was missed (the watcher subscribed late) starts it.
  const stage = STAGE_OF[event.type];
  let index = stages.findIndex((s) => s.stage === stage);
  if (index < 0) {
    stages.push(newStage(stage));
    index = stages.length - 1;
  }
  const { wait: _wait, ...s } = stages[index] as StageProgress;
  switch (event.type) {
    case 'pull': {
      const count = { stream: event.stream, pages: event.pages, records: event.records };
      const streams = s.streams.some((x) => x.stream === event.stream)
        ? s.streams.map((x) => (x.stream === event.stream ? count : x))
        : [...s.streams, count];
      stages[index] = { ...s, streams };
      break;
    }
    case 'compute':
      stages[index] = { ...s, step: { name: event.step, done: event.done, total: event.total } };
      break;
    case 'push':
      stages[index] = {
        ...s,
        push: { calls: event.calls, written: event.written, rejected: event.rejected },
      };
      break;
  }
  return { stages };
}

const CRM_NAME = { hubspot: 'HubSpot', salesforce: 'Salesforce' } as const;

/** 4 s, 0.4 s, 1 min 5 s: whole seconds from one second up, so the countdown ticks calmly. */
export function durationWords(ms: number): string {
  if (ms < 1000) return `${(Math.max(ms, 100) / 1000).toFixed(1)} s`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const rest = seconds % 60;
  return rest === 0 ? `${seconds / 60} min` : `${Math.floor(seconds / 60)} min ${rest} s`;
}

function windowWords(windowMs: number | undefined): string {
  if (windowMs === undefined) return 'rolling';
  const seconds = windowMs / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}-second`;
}

/**
 * The wait in words, `remainingMs` from now, or null once it is over (the line then shows the
 * work again). The daily allowance has no countdown: the run is deferred to the next one.
 */
export function waitWords(wait: WaitEvent, remainingMs: number): string | null {
  const crm = CRM_NAME[wait.crm];
  if (wait.reason === 'daily') {
    return `waiting for ${crm}'s daily API allowance; the next run resumes from here`;
  }
  if (remainingMs <= 0) return null;
  const time = durationWords(remainingMs);
  switch (wait.reason) {
    case 'window':
      return `waiting ${time} for ${crm}'s ${windowWords(wait.windowMs)} window`;
    case 'search':
      return `waiting ${time} for ${crm}'s ${windowWords(wait.windowMs)} search window`;
    case 'retry':
      return `waiting ${time} to retry: ${crm} answered 429 (rate limit)`;
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function workWords(s: StageProgress, done: boolean): string {
  switch (s.stage) {
    case 'pull': {
      const streams = addStreams(s.carried.streams, s.streams);
      if (streams.length === 0) return done ? 'nothing to read' : 'reading the account…';
      // Records per object, pages in all: the line must fit a terminal with a wait beside it.
      const pages = streams.reduce((sum, x) => sum + x.pages, 0);
      const records = streams.map((x) => `${x.stream} ${x.records.toLocaleString('en-US')}`).join(' · ');
      return `${records} (${plural(pages, 'page')})`;
    }
    case 'route':
      return done ? 'new leads routed' : 'routing new leads…';
    case 'compute':
      if (!s.step) return done ? 'computed' : 'starting…';
      if (done || s.step.done >= s.step.total) return `${plural(s.step.total, 'step')} computed`;
      return `step ${s.step.done + 1} of ${s.step.total}: ${s.step.name}`;
    case 'push': {
      const p = addPush(s.carried.push, s.push);
      // Before the first batch: the outbox diff, and field provisioning on a first push.
      if (!p) return done ? 'nothing to write' : 'preparing the writes…';
      const rejected = p.rejected > 0 ? ` · ${p.rejected.toLocaleString('en-US')} rejected` : '';
      return `${plural(p.written, 'value')} written in ${plural(p.calls, 'call')}${rejected}`;
    }
  }
}

/** Stage names padded so the lines' words start in one column. */
const STAGE_WIDTH = 'compute'.length + 1;

/**
 * One stage's line at `now`. A stage still running shows its wait, if one is on; a finished one
 * (`done`) keeps its counts and a tick.
 */
export function stageLine(s: StageProgress, now: number, done: boolean): string {
  const head = `${done ? '✓' : '›'} ${s.stage.padEnd(STAGE_WIDTH)}`;
  const work = workWords(s, done);
  // A spent daily allowance outlives the run (it is why the run ended); other waits do not.
  const showWait = s.wait && (!done || s.wait.event.reason === 'daily');
  const wait = showWait && s.wait ? waitWords(s.wait.event, s.wait.event.waitMs - (now - s.wait.at)) : null;
  return wait ? `${head}${work} · ${wait}` : `${head}${work}`;
}

/** Every stage's line; all but the last are finished, and the last too once the run is. */
export function progressLines(state: SyncProgress, now: number, finished: boolean): string[] {
  return state.stages.map((s, i) => stageLine(s, now, finished || i < state.stages.length - 1));
}
