import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parsePeriod } from '../calendar/periods.js';
import { routeSimulateDocument } from '../reports/route-simulate-document.js';
import { installRulesText } from '../route/install-routing-rules.js';
import { explainLead } from '../route/route-explain.js';
import { routeReport } from '../route/route-report.js';
import { simulateRoutingPeriod } from '../route/simulate-routing-period.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import { printJson, printLine, printTable } from './cli-io.js';

interface RulesOptions {
  connection: string;
  dryRun?: boolean;
  json?: boolean;
}
interface ExplainOptions {
  connection: string;
  json?: boolean;
}
interface SimulateOptions {
  connection: string;
  from: string;
  to: string;
  json?: boolean;
}
interface ReportOptions {
  connection: string;
  period: string;
  json?: boolean;
}

async function readRulesFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : String(error)}.`);
  }
}

export function registerRoute(program: Command, ctx: CliContext): void {
  const route = program
    .command('route')
    .description('lead routing: rules, decisions explained, report, shadow simulation');

  route
    .command('rules')
    .description('install routing rules (validated whole; versioned by hash)')
    .argument('<file>', 'routing rules, YAML')
    .requiredOption('--connection <name>', 'connection name')
    .option('--dry-run', 'validate and show, install nothing')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: RulesOptions) => {
      const text = await readRulesFile(file);
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const result = await installRulesText(db, connection.id, text, { dryRun: o.dryRun === true });
      if (!result.ok) {
        const list = result.problems
          .map((p) => `  ${p.line === null ? '' : `line ${p.line}: `}${p.message}`)
          .join('\n');
        throw new CliError(
          `${file} has ${result.problems.length} problem(s), so no rules were installed:\n${list}`,
        );
      }
      const { rules: _rules, ...doc } = result;
      if (o.json) {
        printJson(ctx.io, doc);
        return;
      }
      const verb = result.dryRun ? 'Would install' : result.changed ? 'Installed' : 'Already active:';
      printLine(
        ctx.io,
        `${verb} routing rules ${result.hash.slice(0, 12)} on "${connection.name}": ${result.pools.length} pool(s), fallback "${_rules.fallback}".`,
      );
      printTable(
        ctx.io,
        ['pool', 'members'],
        result.pools.map((p) => [p.name, p.members]),
      );
    });

  route
    .command('explain')
    .description('one lead\u2019s routing decisions in plain words')
    .argument('<lead>', 'lead id (HubSpot contact id, Salesforce Lead Id)')
    .requiredOption('--connection <name>', 'connection name')
    .option('--json', 'print one JSON document')
    .action(async (lead: string, o: ExplainOptions) => {
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const explanation = await explainLead(db, connection.id, lead, connection.timeZone);
      if (o.json) {
        // A lead never routed is an answer, not a failure: the document lists no decision.
        printJson(
          ctx.io,
          explanation ?? { leadId: lead, currentOwner: null, manualOverride: false, decisions: [] },
        );
        return;
      }
      if (!explanation) {
        printLine(ctx.io, `Lead ${lead} has no routing decision on "${connection.name}".`);
        return;
      }
      for (const d of explanation.decisions) {
        printLine(ctx.io, `${d.decidedAt} ${d.text}`);
        printLine(
          ctx.io,
          `  owner write: ${d.write.outcome}${d.write.error ? ` (${d.write.error})` : ''}${d.write.speedToLeadSeconds === null ? '' : `, speed to lead ${d.write.speedToLeadSeconds} s`}`,
        );
      }
      if (explanation.manualOverride) {
        printLine(
          ctx.io,
          `Since then a person reassigned it to ${explanation.currentOwner}; routing leaves it there.`,
        );
      }
    });

  route
    .command('report')
    .description('routed leads, manual overrides, speed to lead, per-rep received vs expected')
    .requiredOption('--connection <name>', 'connection name')
    .requiredOption('--period <period>', 'fiscal quarter (2026-Q3), month (2026-07) or fiscal year (2026)')
    .option('--json', 'print one JSON document')
    .action(async (o: ReportOptions) => {
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const report = await routeReport(db, connection, parsePeriod(o.period, connection));
      if (o.json) {
        printJson(ctx.io, report);
        return;
      }
      const s = report.speedToLeadSeconds;
      printLine(
        ctx.io,
        `Routing ${report.period.start}..${report.period.end}: ${report.routed} routed, ${report.unrouted} unrouted, ${report.manualOverrides} manual override(s); speed to lead p50 ${s.p50 ?? '—'} s, p95 ${s.p95 ?? '—'} s`,
      );
      printTable(
        ctx.io,
        ['pool', 'rep', 'received', 'expected'],
        report.reps.map((r) => [r.pool, r.ownerEmail, r.received, r.expected.toFixed(1)]),
      );
    });

  route
    .command('simulate')
    .description('shadow mode: what the rules would have done with past leads (no writes)')
    .requiredOption('--connection <name>', 'connection name')
    .requiredOption('--from <date>', 'first day of leads created (YYYY-MM-DD, connection time zone)')
    .requiredOption('--to <date>', 'last day, inclusive')
    .option('--json', 'print one JSON document')
    .action(async (o: SimulateOptions) => {
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const doc = routeSimulateDocument(await simulateRoutingPeriod(db, connection, o.from, o.to));
      if (o.json) {
        printJson(ctx.io, doc);
        return;
      }
      const g = (x: number | null) => (x === null ? '—' : x.toFixed(3));
      printLine(
        ctx.io,
        `Simulated ${doc.leads} lead(s) ${doc.from}..${doc.to} (${doc.unrouted} unroutable): Gini ${g(doc.simulated.gini)} simulated vs ${g(doc.actual.gini)} actual; flagged ${doc.simulated.flags.length} simulated vs ${doc.actual.flags.length} actual.`,
      );
      const actual = new Map(doc.actual.reps.map((r) => [r.ownerEmail, r]));
      const emails = [
        ...new Set([...doc.simulated.reps, ...doc.actual.reps].map((r) => r.ownerEmail)),
      ].sort();
      printTable(
        ctx.io,
        ['rep', 'simulated', 'expected', 'actual', 'expected'],
        emails.map((e) => {
          const s = doc.simulated.reps.find((r) => r.ownerEmail === e);
          const a = actual.get(e);
          return [
            e,
            s?.received ?? 0,
            (s?.expected ?? 0).toFixed(1),
            a?.received ?? 0,
            (a?.expected ?? 0).toFixed(1),
          ];
        }),
      );
      for (const f of doc.actual.flags) printLine(ctx.io, `actual: ${f.ownerEmail}: ${f.reason}`);
      for (const f of doc.simulated.flags) printLine(ctx.io, `simulated: ${f.ownerEmail}: ${f.reason}`);
    });
}
