import { describe, expect, it } from 'vitest';
import {
  applyProgress,
  durationWords,
  NO_PROGRESS,
  progressLines,
  type SyncProgress,
  waitWords,
} from '../../src/cli/sync-progress-line.js';
import type { ProgressEvent } from '../../workers/progress.js';

/** Events received at the given watcher times (ms), folded from nothing. */
function fold(events: readonly (readonly [number, ProgressEvent])[]): SyncProgress {
  return events.reduce((state, [at, event]) => applyProgress(state, event, at), NO_PROGRESS);
}

const hubspotWindow = (waitMs: number): ProgressEvent => ({
  type: 'wait',
  crm: 'hubspot',
  reason: 'window',
  waitMs,
  windowMs: 10_000,
});

describe('the wait in words', () => {
  // Each remaining time is the event's waitMs less the time since it arrived; the words are the
  // issue's own ("waiting 4 s for HubSpot's 10-second window") and the rounding is up to whole
  // seconds from 1 s (3,200 ms left is 4 s: the wait is not over after 3 s).
  const cases: readonly [string, ProgressEvent, number, string | null][] = [
    ['a HubSpot window', hubspotWindow(4000), 4000, "waiting 4 s for HubSpot's 10-second window"],
    ['rounded up to whole seconds', hubspotWindow(4000), 3200, "waiting 4 s for HubSpot's 10-second window"],
    ['under a second, tenths', hubspotWindow(4000), 400, "waiting 0.4 s for HubSpot's 10-second window"],
    ['over', hubspotWindow(4000), 0, null],
    [
      "HubSpot's search limit",
      { type: 'wait', crm: 'hubspot', reason: 'search', waitMs: 600, windowMs: 1000 },
      600,
      "waiting 0.6 s for HubSpot's 1-second search window",
    ],
    [
      "Salesforce's request window",
      { type: 'wait', crm: 'salesforce', reason: 'window', waitMs: 800, windowMs: 1000 },
      800,
      "waiting 0.8 s for Salesforce's 1-second window",
    ],
    [
      'a 429 and its Retry-After',
      { type: 'wait', crm: 'hubspot', reason: 'retry', waitMs: 10_000 },
      10_000,
      'waiting 10 s to retry: HubSpot answered 429 (rate limit)',
    ],
    [
      "Salesforce's daily allowance (no countdown: the run is deferred)",
      { type: 'wait', crm: 'salesforce', reason: 'daily', waitMs: 0 },
      -5000,
      "waiting for Salesforce's daily API allowance; the next run resumes from here",
    ],
  ];
  it.each(cases)('%s', (_label, event, remaining, words) => {
    expect(waitWords(event as Extract<ProgressEvent, { type: 'wait' }>, remaining)).toBe(words);
  });

  it.each([
    [50, '0.1 s'],
    [999, '1.0 s'],
    [1000, '1 s'],
    [58_001, '59 s'],
    // 59.001 s rounds up to 60 s, which is a minute.
    [59_001, '1 min'],
    [60_000, '1 min'],
    [65_000, '1 min 5 s'],
  ] as const)('%i ms is %s', (ms, words) => {
    expect(durationWords(ms)).toBe(words);
  });
});

describe('the stage lines', () => {
  const cases: readonly [string, readonly (readonly [number, ProgressEvent])[], number, boolean, string[]][] =
    [
      ['nothing yet', [], 0, false, []],
      ['pull started', [[0, { type: 'stage', stage: 'pull' }]], 0, false, ['› pull    reading the account…']],
      [
        // 2 owner pages + 3 deal pages = 5 pages; records are each stream's running total.
        'pages and records per object',
        [
          [0, { type: 'stage', stage: 'pull' }],
          [1, { type: 'pull', stream: 'owners', pages: 1, records: 100 }],
          [2, { type: 'pull', stream: 'owners', pages: 2, records: 125 }],
          [3, { type: 'pull', stream: 'deals', pages: 3, records: 1250 }],
        ],
        3,
        false,
        ['› pull    owners 125 · deals 1,250 (5 pages)'],
      ],
      [
        // Arrived at 1,000 ms with 4,000 ms to wait; at 1,500 ms 3,500 ms are left: "4 s".
        'a wait beside the counts, counting down',
        [
          [0, { type: 'stage', stage: 'pull' }],
          [500, { type: 'pull', stream: 'deals', pages: 1, records: 100 }],
          [1000, hubspotWindow(4000)],
        ],
        1500,
        false,
        ["› pull    deals 100 (1 page) · waiting 4 s for HubSpot's 10-second window"],
      ],
      [
        'a wait gone once it is over',
        [
          [0, { type: 'pull', stream: 'deals', pages: 1, records: 100 }],
          [1000, hubspotWindow(4000)],
        ],
        5000,
        false,
        ['› pull    deals 100 (1 page)'],
      ],
      [
        'a wait gone when the next page arrives',
        [
          [0, { type: 'pull', stream: 'deals', pages: 1, records: 100 }],
          [1000, hubspotWindow(9000)],
          [2000, { type: 'pull', stream: 'deals', pages: 2, records: 200 }],
        ],
        2000,
        false,
        ['› pull    deals 200 (2 pages)'],
      ],
      [
        // The first attempt saved 2 pages (200 deals) and hit a 429; the retried job counts
        // from zero and reads 1 page (50 deals): 3 pages, 250 deals in all.
        'a retried stage adds its new attempt to the old',
        [
          [0, { type: 'stage', stage: 'pull' }],
          [1, { type: 'pull', stream: 'deals', pages: 2, records: 200 }],
          [2, { type: 'wait', crm: 'hubspot', reason: 'retry', waitMs: 10_000 }],
          [10_002, { type: 'stage', stage: 'pull' }],
          [10_003, { type: 'pull', stream: 'deals', pages: 1, records: 50 }],
        ],
        10_003,
        false,
        ['› pull    deals 250 (3 pages)'],
      ],
      [
        'earlier stages finished, the current one live',
        [
          [0, { type: 'stage', stage: 'pull' }],
          [1, { type: 'pull', stream: 'leads', pages: 1, records: 10 }],
          [2, { type: 'stage', stage: 'route' }],
          [3, { type: 'stage', stage: 'compute' }],
          [4, { type: 'compute', step: 'fairness', done: 1, total: 4 }],
        ],
        4,
        false,
        ['✓ pull    leads 10 (1 page)', '✓ route   new leads routed', '› compute step 2 of 4: fairness'],
      ],
      [
        // 2 batches: 100 + 50 values in 2 calls, 3 rejected in the second.
        'push totals, and every line finished at the end',
        [
          [0, { type: 'stage', stage: 'compute' }],
          [1, { type: 'compute', step: 'comp', done: 4, total: 4 }],
          [2, { type: 'stage', stage: 'push' }],
          [3, { type: 'push', calls: 1, written: 100, rejected: 0 }],
          [4, { type: 'push', calls: 2, written: 150, rejected: 3 }],
        ],
        4,
        true,
        ['✓ compute 4 steps computed', '✓ push    150 values written in 2 calls · 3 rejected'],
      ],
      [
        'push before its first batch',
        [[0, { type: 'stage', stage: 'push' }]],
        0,
        false,
        ['› push    preparing the writes…'],
      ],
      [
        'a count whose stage start was missed starts the stage',
        [[0, { type: 'push', calls: 1, written: 1, rejected: 0 }]],
        0,
        false,
        ['› push    1 value written in 1 call'],
      ],
      [
        'a deferred run keeps the daily allowance on its finished line',
        [
          [0, { type: 'pull', stream: 'deals', pages: 2, records: 200 }],
          [1, { type: 'wait', crm: 'salesforce', reason: 'daily', waitMs: 0 }],
        ],
        60_000,
        true,
        [
          "✓ pull    deals 200 (2 pages) · waiting for Salesforce's daily API allowance; the next run resumes from here",
        ],
      ],
    ];
  it.each(cases)('%s', (_label, events, now, finished, lines) => {
    expect(progressLines(fold(events), now, finished)).toEqual(lines);
  });
});
