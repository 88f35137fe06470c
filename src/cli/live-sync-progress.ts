import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../../workers/progress.js';
import { applyProgress, NO_PROGRESS, type SyncProgress, stageLine } from './sync-progress-line.js';

/**
 * The live lines of `salesops sync` on a terminal: cli-progress draws one line per stage (a
 * MultiBar whose bars are our own text, from sync-progress-line.ts) and redraws them a few times
 * a second, so a wait counts down by itself. Log lines go above the stage lines (`log`), never
 * through them.
 */
export interface LiveSyncProgress {
  update(event: ProgressEvent): void;
  /** A log line (with its newline) to show above the stage lines. */
  log(line: string): void;
  /** The run is over: every line is drawn once more as finished and the cursor comes back. */
  stop(): void;
}

export function createLiveSyncProgress(
  stream: NodeJS.WriteStream,
  now: () => number = Date.now,
): LiveSyncProgress {
  let state: SyncProgress = NO_PROGRESS;
  let finished = false;
  const lineOf = (index: number): string => {
    const s = state.stages[index];
    return s ? stageLine(s, now(), finished || index < state.stages.length - 1) : '';
  };
  const bars = new cliProgress.MultiBar({
    stream,
    format: (_options, _params, payload: { index: number }) => lineOf(payload.index),
    hideCursor: true,
    clearOnComplete: false,
    // Every redraw rewrites every line: a log line above them moves them all down.
    forceRedraw: true,
    fps: 5,
  });
  let shown = 0;
  let active = false;
  return {
    update(event) {
      state = applyProgress(state, event, now());
      while (shown < state.stages.length) {
        bars.create(1, 0, { index: shown });
        shown += 1;
        active = true;
      }
    },
    log(line) {
      if (active) bars.log(line);
      else stream.write(line);
    },
    stop() {
      finished = true;
      if (active) bars.stop();
      active = false;
    },
  };
}
