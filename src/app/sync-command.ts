import type { Command } from 'commander';
import type { ProgressEvent } from '../../workers/progress.js';
import type { CliContext } from '../cli/cli-context.js';
import { ExitCode, usageError } from '../cli/cli-error.js';
import { printJson, printLine, printTable } from '../cli/cli-io.js';
import { parseAsOf } from '../cli/parse-as-of.js';
import type { SyncSummary } from './run-sync.js';
import { START_TIMEOUT_MS } from './start-timeout.js';

const EXIT_BY_STATUS = {
  succeeded: ExitCode.ok,
  partial: ExitCode.ok,
  deferred: ExitCode.deferred,
  failed: ExitCode.failed,
} as const;

/**
 * `salesops sync` sits at the top because it drives the queue and may start a worker of its own;
 * the run itself (run-sync.ts, and through it BullMQ and the stages) loads only when it runs.
 */
export function registerSync(program: Command, ctx: CliContext): void {
  program
    .command('sync')
    .description('pull → route → compute → push one connection through the job queue, and wait for it')
    .argument('<name>', 'connection name')
    .option('--full', 'ignore checkpoints and re-read everything (also reconciles deletes)')
    .option('--no-push', 'pull and compute only')
    .option('--dry-run', 'compute and show what would be written, without writing')
    .option('--as-of <YYYY-MM-DD>', 'compute as if this day were today', parseAsOf)
    .option(
      '--start-timeout <seconds>',
      `fail the run if no worker has started it after this long (default ${START_TIMEOUT_MS / 1000})`,
      parseStartTimeout,
    )
    .option('--json', 'print one JSON document')
    .action(
      async (
        name: string,
        o: {
          full?: boolean;
          push: boolean;
          dryRun?: boolean;
          asOf?: string;
          startTimeout?: number;
          json?: boolean;
        },
      ) => {
        // The queue, the workers and the connectors load only when a sync runs.
        const [engine, { runSync }] = await Promise.all([ctx.engine(), import('./run-sync.js')]);
        const connection = await engine.connections.get(name);
        const live = o.json ? null : await liveProgress(ctx);
        const summary = await runSync(
          {
            ...engine,
            ...(o.startTimeout !== undefined && { startTimeoutMs: o.startTimeout * 1000 }),
            onMerged: (runId) =>
              (live ?? ctx.io.stderr).write(
                `A sync of "${name}" is already running (run ${runId}); waiting for it.\n`,
              ),
            ...(live && { onProgress: live.update }),
          },
          connection,
          { full: o.full === true, push: o.push, dryRun: o.dryRun === true, ...(o.asOf && { asOf: o.asOf }) },
        ).finally(() => live?.stop());
        ctx.setExitCode(EXIT_BY_STATUS[summary.status]);
        if (o.json) {
          const { error: _error, ...document } = summary;
          return printJson(ctx.io, document);
        }
        printSummary(ctx, name, summary);
      },
    );
}

/**
 * On a terminal (stderr is a TTY), the stage lines; logs below `warn` stay out of their way
 * unless LOG_LEVEL asks for them, and the rest are drawn above the lines. Without a terminal,
 * nothing changes: JSON logs on stderr, the summary on stdout.
 */
async function liveProgress(ctx: CliContext): Promise<{
  update: (event: ProgressEvent) => void;
  write: (line: string) => void;
  stop: () => void;
} | null> {
  const stderr = ctx.io.stderr as NodeJS.WriteStream;
  if (stderr.isTTY !== true) return null;
  const { createLiveSyncProgress } = await import('../cli/live-sync-progress.js');
  const progress = createLiveSyncProgress(stderr);
  const logger = ctx.logger();
  if (ctx.io.env.LOG_LEVEL === undefined && logger.isLevelEnabled('info')) logger.level = 'warn';
  const restore = ctx.divertLogs((line) => progress.log(line));
  return {
    update: (event) => progress.update(event),
    write: (line) => progress.log(line),
    stop: () => {
      progress.stop();
      restore();
    },
  };
}

function parseStartTimeout(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) {
    throw usageError(`--start-timeout expects a number of seconds above 0, such as 600, not "${value}".`);
  }
  return seconds;
}

/** A terminal shows the first rows; `--json` carries every one. */
const PREVIEW_ROWS = 50;

function printPreview(ctx: CliContext, preview: NonNullable<SyncSummary['preview']>): void {
  if (preview.length === 0) {
    printLine(ctx.io, 'Dry run: nothing would be written; the CRM already shows every value.');
    return;
  }
  printLine(ctx.io, `Dry run: ${preview.length} value(s) would be written (nothing was sent):`);
  printTable(
    ctx.io,
    ['object', 'record', 'field', 'from → to'],
    preview
      .slice(0, PREVIEW_ROWS)
      .map((p) => [p.object, p.recordId, p.field, `${p.from ?? '(empty)'} → ${p.to ?? '(empty)'}`]),
  );
  if (preview.length > PREVIEW_ROWS) {
    printLine(ctx.io, `… and ${preview.length - PREVIEW_ROWS} more; use --json for the full list.`);
  }
}

function printSummary(ctx: CliContext, name: string, s: SyncSummary): void {
  printLine(
    ctx.io,
    `Sync of "${name}" (run ${s.runId}): ${s.status} in ${(s.durationMs / 1000).toFixed(1)} s`,
  );
  printTable(
    ctx.io,
    [
      'owners',
      'pipelines',
      'deals',
      'leads',
      'changed',
      'deleted',
      'quarantined',
      'push calls',
      'pushed',
      'rejected',
    ],
    [
      [
        s.pulled.owners,
        s.pulled.pipelines,
        s.pulled.deals,
        s.pulled.leads,
        s.pulled.changed,
        s.pulled.deleted,
        s.quarantined,
        s.pushed.calls,
        s.pushed.records,
        s.pushed.failed,
      ],
    ],
  );
  if (s.preview) printPreview(ctx, s.preview);
  if (s.pushed.rejected.length > 0) {
    printLine(ctx.io, `The CRM rejected ${s.pushed.failed} record(s); they are retried on the next sync:`);
    printTable(
      ctx.io,
      ['object', 'record', 'field', 'reason'],
      s.pushed.rejected.slice(0, PREVIEW_ROWS).map((r) => [r.object, r.recordId, r.field, r.reason]),
    );
  }
  if (s.status === 'deferred') {
    printLine(
      ctx.io,
      `Deferred: ${s.error ?? 'the CRM allowance is spent'}. The next run resumes where this one stopped.`,
    );
  }
  if (s.status === 'failed') printLine(ctx.io, `Failed: ${s.error ?? 'see the worker log'}`);
  if (s.quarantined > 0) {
    printLine(
      ctx.io,
      `${s.quarantined} malformed record(s) were quarantined; see the quarantined_records table.`,
    );
  }
}
