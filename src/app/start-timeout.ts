/**
 * Long enough for a busy worker pool to reach the job; a run nobody starts is a wiring fault.
 * Its own file so `salesops sync --help` can name it without loading the queue.
 */
export const START_TIMEOUT_MS = 300_000;
