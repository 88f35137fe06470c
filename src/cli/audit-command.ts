import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { asOfInstant, parsePeriod } from '../calendar/periods.js';
import { formatP } from '../metrics/fairness-audit.js';
import { auditLeads, type LeadAudit } from '../metrics/lead-audit.js';
import { assignmentTrail } from '../metrics/lead-distribution.js';
import { auditDocument } from '../reports/audit-document.js';
import { renderAuditReport } from '../reports/audit-report.js';
import { auditTrailRows } from '../reports/audit-trail-csv.js';
import { asOfOption } from './as-of-option.js';
import { registerAuditConfig } from './audit-config-command.js';
import type { CliContext } from './cli-context.js';
import { CliError, usageError } from './cli-error.js';
import { printJson, printLine, printTable } from './cli-io.js';

interface AuditOptions {
  connection: string;
  period: string;
  asOf?: string;
  json?: boolean;
  csv?: boolean;
  html?: string;
}

const fixed = (value: number | null, digits = 3): string | null =>
  value === null ? null : value.toFixed(digits);

function printSummary(ctx: CliContext, result: LeadAudit): void {
  const { audit, period } = result;
  if (audit.totalLeads === 0) {
    printLine(
      ctx.io,
      `No leads were assigned in ${period.key} (${period.start}..${period.end}) in ${result.connection.name}; pick another --period or run \`salesops sync\` first.`,
    );
    return;
  }
  printLine(
    ctx.io,
    `Lead distribution ${period.start} – ${period.end} (${result.connection.name}): ${audit.totalLeads} leads; rotation from ${result.rotation === 'settings' ? 'rep settings' : 'every active rep, equal weight'}.`,
  );
  printLine(
    ctx.io,
    `Gini ${fixed(audit.gini) ?? '—'} · Jain ${fixed(audit.jain) ?? '—'} · CV ${fixed(audit.cv) ?? '—'} · max/min ${fixed(audit.maxMinRatio, 2) ?? '—'} · χ² ${audit.chiSquare.statistic.toFixed(1)} (dof ${audit.chiSquare.dof}, p ${audit.chiSquare.pValue === null ? '—' : formatP(audit.chiSquare.pValue)}) · cherry-picking p ${audit.cherryPicking.pValue === null ? '—' : formatP(audit.cherryPicking.pValue)}`,
  );
  printTable(
    ctx.io,
    ['rep', 'received', 'expected', 'received ÷ expected', 'avg quality (1–3)', 'flag'],
    audit.reps.map((rep) => [
      rep.ownerEmail,
      rep.received,
      rep.expected.toFixed(1),
      rep.ratio === null ? null : `${(rep.ratio * 100).toFixed(0)}%`,
      fixed(rep.avgQuality, 2),
      rep.flagged
        ? rep.received > rep.expected
          ? 'MORE'
          : 'FEWER'
        : !rep.inRotation
          ? 'outside rotation'
          : '',
    ]),
  );
  const flags = auditDocument(result).flags;
  if (flags.length === 0) printLine(ctx.io, 'No flags.');
  else for (const flag of flags) printLine(ctx.io, `FLAG ${flag.ownerEmail}: ${flag.reason}`);
}

async function writeCsv(ctx: CliContext, result: LeadAudit): Promise<void> {
  const { db } = await ctx.ready();
  const { connection, period, asOf } = result;
  const trail = await assignmentTrail(db, {
    connectionId: connection.id,
    timeZone: connection.timeZone,
    start: period.start,
    end: period.end,
    asOf,
  });
  const rows = auditTrailRows(result, trail);
  ctx.io.stdout.write(stringify(rows, { header: true, cast: { boolean: (value) => String(value) } }));
}

export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('audits ops can hand to a manager');
  registerAuditConfig(audit, ctx);
  audit
    .command('leads')
    .description('was lead distribution fair in a period? received vs expected per rep, tests and flags')
    .requiredOption('--connection <name>', 'connection name')
    .requiredOption('--period <period>', 'fiscal quarter 2026-Q3, month 2026-07 or fiscal year 2026')
    .addOption(asOfOption())
    .option('--json', 'print one JSON document')
    .option('--csv', 'print one CSV row per assignment (the audit trail)')
    .option('--html <file>', 'write a self-contained HTML report for a manager')
    .action(async (o: AuditOptions) => {
      if ([o.json, o.csv, o.html !== undefined].filter(Boolean).length > 1) {
        throw usageError('Choose one of --json, --csv and --html.');
      }
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const period = parsePeriod(o.period, connection);
      const asOf = asOfInstant(o.asOf, connection.timeZone);
      const result = await auditLeads(db, connection, { period, asOf });
      if (o.json) return printJson(ctx.io, auditDocument(result));
      if (o.csv) return writeCsv(ctx, result);
      if (o.html !== undefined) {
        try {
          await writeFile(o.html, renderAuditReport(result), 'utf8');
        } catch (error) {
          throw new CliError(
            `Cannot write ${o.html} (${(error as NodeJS.ErrnoException).code ?? 'error'}); choose a writable path.`,
          );
        }
        return printLine(ctx.io, `Wrote the lead-distribution report to ${o.html}.`);
      }
      printSummary(ctx, result);
    });
}
