import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Db } from '../db.js';
import { latestRunProgress } from '../warehouse/sync-runs.js';

/**
 * Progress on stderr: numbered steps, and live bars per connection while syncs run (read from
 * the runs' own heartbeat counts in Postgres, so what moves is what the workers saved). Without
 * a terminal (CI, pipes) the bars give way to one line per step with its time.
 */
export interface DemoProgress {
  step(label: string): void;
  track<T>(
    label: string,
    db: Db,
    names: readonly string[],
    totals: Readonly<Record<string, number>>,
    work: () => Promise<T>,
  ): Promise<T>;
  done(): void;
}

export function createDemoProgress(stream: Writable & { isTTY?: boolean }): DemoProgress {
  let n = 0;
  let stepStarted = Date.now();
  let open = false;
  const finishStep = () => {
    if (open) stream.write(`  done in ${((Date.now() - stepStarted) / 1000).toFixed(1)} s\n`);
    open = false;
  };
  const step = (label: string) => {
    finishStep();
    n += 1;
    stepStarted = Date.now();
    open = true;
    stream.write(`[${n}] ${label}…\n`);
  };
  return {
    step,
    async track(label, db, names, totals, work) {
      step(label);
      if (!stream.isTTY) return work();
      const bars = new cliProgress.MultiBar(
        {
          stream: stream as NodeJS.WriteStream,
          format: '    {name} |{bar}| {value}/{total} deals · {stage}',
          hideCursor: true,
          clearOnComplete: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      );
      const bar = new Map(
        names.map((name) => [
          name,
          bars.create(totals[name] ?? 0, 0, { name: name.padEnd(16), stage: 'queued' }),
        ]),
      );
      const poll = setInterval(() => {
        void latestRunProgress(db, names)
          .then((rows) => {
            for (const row of rows) {
              bar.get(row.name)?.update(Math.min(row.counts.deals ?? 0, totals[row.name] ?? 0), {
                stage: row.status === 'running' ? (row.stage ?? 'running') : row.status,
              });
            }
          })
          .catch(() => {});
      }, 200);
      try {
        return await work();
      } finally {
        clearInterval(poll);
        bars.stop();
      }
    },
    done: finishStep,
  };
}
