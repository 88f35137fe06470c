import type { Command } from 'commander';
import { asOfInstant, type Period, parsePeriod } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { type AttainmentReport, computeAttainment } from '../metrics/attainment.js';
import { computeRepComparison, type RepComparisonReport } from '../metrics/rep-comparison.js';
import { attainmentCsvRows } from '../reports/attainment-csv.js';
import { attainmentDocument } from '../reports/attainment-document.js';
import { repComparisonDocument } from '../reports/rep-comparison-document.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { type CliIo, displayMoney, printCsv, printJson, printLine, printTable } from './cli-io.js';

interface ReportOptions {
  connection: string;
  period: string;
  asOf?: string;
  json?: boolean;
  csv?: boolean;
}

interface Prepared {
  readonly db: Db;
  readonly connection: Connection;
  readonly period: Period;
  readonly asOf: Date;
}

/** Reports compute from the warehouse on every call (metric_values is only the push cache). */
async function prepare(ctx: CliContext, o: ReportOptions): Promise<Prepared> {
  if (o.json && o.csv) throw usageError('Give --json or --csv, not both.');
  const { db, connections } = await ctx.ready();
  const connection = await connections.get(o.connection);
  const period = parsePeriod(o.period, connection);
  return { db, connection, period, asOf: asOfInstant(o.asOf, connection.timeZone) };
}

const money = displayMoney;
const percent = (value: number | null): string | null =>
  value === null ? null : `${(value * 100).toFixed(1)}%`;

function attainmentTable(io: CliIo, report: AttainmentReport): void {
  const { period } = report;
  if (report.reps.length === 0 && report.teams.length === 0) {
    printLine(
      io,
      `No quotas and no closed-won deals in ${period.key} (${period.start}..${period.end}) as of ${report.asOf}; import quotas with \`salesops quotas import\` or pick another --period.`,
    );
    return;
  }
  printLine(
    io,
    `Attainment ${period.key} (${period.start}..${period.end}) as of ${report.asOf}${report.closed ? ', period closed' : `, ${report.workingDays.elapsed} of ${report.workingDays.total} working days`}; ${report.currency ?? 'home currency'}`,
  );
  printTable(
    io,
    ['rep', 'team', 'quota', 'closed won', 'attainment', 'run rate', 'closed + weighted'],
    report.reps.map((r) => [
      r.ownerName ?? r.ownerEmail ?? r.ownerId,
      r.team,
      money(r.quota),
      money(r.closedWon),
      percent(r.attainment),
      money(r.runRateProjection),
      money(r.closedPlusWeighted),
    ]),
  );
  if (report.teams.length > 0) {
    printTable(
      io,
      ['team', "reps' quota", 'closed won', 'attainment', 'team quota', 'vs team quota'],
      report.teams.map((t) => [
        t.name,
        money(t.quota),
        money(t.closedWon),
        percent(t.attainment),
        money(t.explicitQuota),
        percent(t.attainmentVsExplicitQuota),
      ]),
    );
  }
  const t = report.team;
  printLine(
    io,
    `All reps: ${money(t.closedWon)} of ${money(t.quota) ?? 'no quota'} (${percent(t.attainment) ?? '—'}); run rate ${money(t.runRateProjection) ?? '—'}; closed + weighted pipeline ${money(t.closedPlusWeighted)}; ${percent(t.shareAtOrAbove100) ?? '—'} of reps with a quota at or above 100%.`,
  );
}

function repsTable(io: CliIo, report: RepComparisonReport): void {
  if (report.reps.length === 0) {
    printLine(
      io,
      `No won or lost deals in ${report.window.start}..${report.window.end} (the 12 months ending with ${report.period.key}); pick another --period or run \`salesops sync\` first.`,
    );
    return;
  }
  printLine(
    io,
    `Rep comparison for ${report.period.key}: deals closed ${report.window.start}..${report.window.end} (12 months ending with the period); coverage for ${report.period.start}..${report.period.end}`,
  );
  printTable(
    io,
    ['rep', 'won', 'lost', 'win rate', '95% interval', 'median won', 'median cycle', 'coverage', 'outlier'],
    report.reps.map((r) => [
      r.ownerName ?? r.ownerEmail ?? r.ownerId,
      r.won,
      r.lost,
      percent(r.winRate),
      r.winRateLow === null ? null : `${percent(r.winRateLow)}–${percent(r.winRateHigh)}`,
      money(r.medianDealSize),
      r.medianCycleDays === null ? null : `${r.medianCycleDays} d`,
      r.coverage === null ? null : `${r.coverage.toFixed(2)}×`,
      r.outlier ? ((r.winRate ?? 0) > (report.team.winRate ?? 0) ? 'above team' : 'below team') : '',
    ]),
  );
  printLine(
    io,
    `Team win rate ${percent(report.team.winRate) ?? '—'} (${report.team.won} won, ${report.team.lost} lost).`,
  );
  if (report.team.conversion.length > 0) {
    printTable(
      io,
      ['pipeline', 'from stage', 'to stage', 'reached', 'advanced', 'conversion'],
      report.team.conversion.map((c) => [
        c.pipelineLabel,
        c.fromStage,
        c.toStage,
        c.reached,
        c.advanced,
        percent(c.rate),
      ]),
    );
  }
}

export function registerReport(program: Command, ctx: CliContext): void {
  const report = program
    .command('report')
    .description('attainment and rep comparison, computed from the warehouse');
  const common = (command: Command): Command =>
    command
      .requiredOption('--connection <name>', 'connection to report on')
      .requiredOption(
        '--period <period>',
        'fiscal quarter 2026-Q3, calendar month 2026-07 or fiscal year 2026',
      )
      .option('--as-of <YYYY-MM-DD>', 'compute as if this day were today (end of day, connection time zone)')
      .option('--json', 'print one JSON document')
      .option('--csv', 'print CSV');

  common(report.command('attainment').description('quota attainment per rep, team and connection')).action(
    async (o: ReportOptions) => {
      const p = await prepare(ctx, o);
      const result = await computeAttainment(p.db, p.connection, { period: p.period, asOf: p.asOf });
      if (o.json) printJson(ctx.io, attainmentDocument(result));
      else if (o.csv) printCsv(ctx.io, attainmentCsvRows(result));
      else attainmentTable(ctx.io, result);
    },
  );

  common(report.command('reps').description('rep comparison over a trailing 12-month window')).action(
    async (o: ReportOptions) => {
      const p = await prepare(ctx, o);
      const result = await computeRepComparison(p.db, p.connection, { period: p.period, asOf: p.asOf });
      if (o.json) printJson(ctx.io, repComparisonDocument(result));
      else if (o.csv) printCsv(ctx.io, repComparisonDocument(result).reps);
      else repsTable(ctx.io, result);
    },
  );
}
