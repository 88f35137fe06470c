import type { Command } from 'commander';
import { z } from 'zod';
import {
  type RunDetailDocument,
  type RunEntry,
  runDetailDocument,
  runsCsvRows,
  runsDocument,
} from '../reports/runs-document.js';
import {
  getRunHistory,
  listRunHistory,
  runPushedValues,
  runQuarantinedRecords,
} from '../warehouse/run-history.js';
import { requestCancel } from '../warehouse/sync-runs.js';
import type { CliContext } from './cli-context.js';
import { CliError, usageError } from './cli-error.js';
import { listFormat, printCsv, printJson, printLine, printTable } from './cli-io.js';

/** `salesops runs`, `runs show ID`, `runs cancel ID` (DESIGN §7, §13 "Operations"). */
const DEFAULT_LIMIT = 20;
/** A terminal shows the first rows of a run's records and values; `--json` carries every one. */
const SHOWN_ROWS = 50;

const runIdSchema = z.coerce.number().int().positive();
const limitSchema = z.coerce.number().int().min(1).max(10_000);

function parseRunId(value: string): number {
  const parsed = runIdSchema.safeParse(value);
  if (!parsed.success || !/^\d+$/.test(value)) {
    throw usageError(`A run id is a whole number such as 12, not "${value}"; \`salesops runs\` lists them.`);
  }
  return parsed.data;
}

function parseLimit(value: string): number {
  const parsed = limitSchema.safeParse(value);
  if (!parsed.success || !/^\d+$/.test(value)) {
    throw usageError(`--limit expects a whole number from 1 to 10000, such as 50, not "${value}".`);
  }
  return parsed.data;
}

const noRun = (runId: number) => usageError(`There is no run ${runId}; \`salesops runs\` lists the runs.`);

/** "2026-12-03 19:20:05" in UTC: the table is read beside logs, which are in UTC too. */
const when = (iso: string | null): string | null =>
  iso === null ? null : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

function duration(ms: number | null): string | null {
  if (ms === null) return null;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The table keeps one sentence of an error (the document keeps all of it). */
export function oneSentence(error: string | null, max = 120): string | null {
  if (error === null) return null;
  const line = error.split('\n')[0]?.trim() ?? '';
  const end = line.search(/[.;](\s|$)/);
  const sentence = end >= 0 ? line.slice(0, end + 1) : line;
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence;
}

function printRuns(ctx: CliContext, runs: readonly RunEntry[]): void {
  printTable(
    ctx.io,
    [
      'run',
      'connection',
      'trigger',
      'status',
      'started (UTC)',
      'duration',
      'pulled',
      'changed',
      'deleted',
      'quar.',
      'pushed',
      'rejected',
      'error',
    ],
    runs.map((r) => [
      r.runId,
      r.connection,
      r.trigger,
      r.cancelRequested && (r.status === 'running' || r.status === 'queued')
        ? `${r.status} (cancelling)`
        : r.status,
      when(r.startedAt),
      duration(r.durationMs),
      r.pulled.owners + r.pulled.pipelines + r.pulled.deals + r.pulled.leads,
      r.pulled.changed,
      r.pulled.deleted,
      r.quarantined,
      r.pushed.records,
      r.pushed.failed,
      oneSentence(r.error),
    ]),
  );
}

const countsText = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');

function printDetail(ctx: CliContext, d: RunDetailDocument): void {
  printLine(
    ctx.io,
    `Run ${d.runId} of "${d.connection}" (${d.trigger}): ${d.status}${d.durationMs === null ? '' : ` in ${duration(d.durationMs)}`}, queued ${when(d.queuedAt)} UTC.`,
  );
  if (d.error !== null) printLine(ctx.io, `Error: ${d.error}`);
  if (d.stages.length === 0) printLine(ctx.io, 'No stage has started.');
  else
    printTable(
      ctx.io,
      ['stage', 'status', 'duration', 'counts'],
      d.stages.map((s) => [s.stage, s.status, duration(s.durationMs), countsText(s.counts) || null]),
    );
  if (d.quarantinedRecords.length > 0) {
    printLine(
      ctx.io,
      `${d.quarantinedRecords.length} record(s) quarantined (not saved; fix them in the CRM):`,
    );
    printTable(
      ctx.io,
      ['stream', 'record', 'reason'],
      d.quarantinedRecords.slice(0, SHOWN_ROWS).map((q) => [q.stream, q.externalId, q.reason]),
    );
  }
  if (d.values.length > 0) {
    const rejected = d.values.filter((v) => v.outcome === 'rejected').length;
    printLine(ctx.io, `${d.values.length} value(s) pushed, ${rejected} rejected by the CRM:`);
    // The rejected first: they are what someone has to act on.
    const ordered = [
      ...d.values.filter((v) => v.outcome === 'rejected'),
      ...d.values.filter((v) => v.outcome !== 'rejected'),
    ];
    printTable(
      ctx.io,
      ['object', 'record', 'field', 'old → new', 'outcome', 'reason'],
      ordered
        .slice(0, SHOWN_ROWS)
        .map((v) => [
          v.object,
          v.recordId,
          v.field,
          `${v.from ?? '(empty)'} → ${v.to ?? '(empty)'}`,
          v.outcome,
          v.reason,
        ]),
    );
  }
  const hidden =
    Math.max(0, d.quarantinedRecords.length - SHOWN_ROWS) + Math.max(0, d.values.length - SHOWN_ROWS);
  if (hidden > 0) printLine(ctx.io, `… and ${hidden} more row(s); use --json for every one.`);
}

export function registerRuns(program: Command, ctx: CliContext): void {
  const runs = program
    .command('runs')
    // `runs show 12 --json` is show's --json, not the list's.
    .enablePositionalOptions()
    .description('run history: stages, counts, errors, pushed values; cancel a running sync')
    .option('--connection <name>', 'only the runs of this connection')
    .option('--limit <n>', `the newest N runs (default ${DEFAULT_LIMIT})`, parseLimit)
    .option('--json', 'print one JSON document')
    .option('--csv', 'print CSV')
    .action(async (o: { connection?: string; limit?: number; json?: boolean; csv?: boolean }) => {
      const format = listFormat(o);
      const { db, connections } = await ctx.ready();
      const connectionId = o.connection === undefined ? undefined : (await connections.get(o.connection)).id;
      const document = runsDocument(
        await listRunHistory(db, {
          limit: o.limit ?? DEFAULT_LIMIT,
          ...(connectionId !== undefined && { connectionId }),
        }),
      );
      if (format === 'json') return printJson(ctx.io, document);
      if (format === 'csv') return printCsv(ctx.io, runsCsvRows(document));
      if (document.length === 0)
        return printLine(ctx.io, 'No runs yet: start one with `salesops sync NAME` or a schedule.');
      printRuns(ctx, document);
    });

  runs
    .command('show')
    .description("one run: each stage's time and counts, quarantined records, every pushed value old → new")
    .argument('<id>', 'run id', parseRunId)
    .option('--json', 'print one JSON document')
    .action(async (runId: number, o: { json?: boolean }) => {
      const { db } = await ctx.ready();
      const run = await getRunHistory(db, runId);
      if (!run) throw noRun(runId);
      const document = runDetailDocument(run, {
        quarantined: await runQuarantinedRecords(db, runId),
        values: await runPushedValues(db, runId),
      });
      if (o.json || runs.opts().json) return printJson(ctx.io, document);
      printDetail(ctx, document);
    });

  runs
    .command('cancel')
    .description('stop a queued or running sync between pages; the next sync resumes where it stopped')
    .argument('<id>', 'run id', parseRunId)
    .option('--json', 'print one JSON document')
    .action(async (runId: number, o: { json?: boolean }) => {
      const { db } = await ctx.ready();
      const outcome = await requestCancel(
        db,
        runId,
        `Run ${runId} was cancelled (salesops runs cancel ${runId}) before a worker started it.`,
      );
      if ((o.json || runs.opts().json) && (outcome.kind === 'cancelled' || outcome.kind === 'requested'))
        return printJson(ctx.io, { runId, outcome: outcome.kind });
      switch (outcome.kind) {
        case 'cancelled':
          return printLine(ctx.io, `Run ${runId} had not started; it is cancelled.`);
        case 'requested':
          return printLine(
            ctx.io,
            `Run ${runId} will stop after the page it is saving and end cancelled; the next sync resumes from there.`,
          );
        case 'finished':
          throw new CliError(
            `Run ${runId} already finished (${outcome.status}); only a queued or running run can be cancelled.`,
          );
        case 'missing':
          throw noRun(runId);
      }
    });
}
