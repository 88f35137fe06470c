import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Period, parsePeriod, periodContaining } from '../calendar/periods.js';
import type { RepStatement, StatementsDocument } from '../comp/comp-model.js';
import { canonicalJson, parsePlanFile } from '../comp/plan-file.js';
import { payoutPeriodsIn } from '../comp/proration.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { parseCompAdjustments } from '../imports/comp-adjustments-import.js';
import { parseCompAssignments } from '../imports/comp-assignments-import.js';
import { compStatementsDocument, payrollCsvRows } from '../reports/comp-statements-document.js';
import { compStatementsHtml } from '../reports/comp-statements-html.js';
import { compDirectory } from '../warehouse/comp-inputs.js';
import {
  approveStatements,
  closedPeriods,
  closePeriod,
  openDispute,
  statementsIn,
} from '../warehouse/comp-statements.js';
import {
  addManualAdjustments,
  addPlanVersion,
  planNames,
  upsertAssignments,
} from '../warehouse/comp-tables.js';
import { centsToDecimal } from '../warehouse/money.js';
import type { CliContext } from './cli-context.js';
import { CliError, usageError } from './cli-error.js';
import { printCsv, printJson, printLine } from './cli-io.js';
import { refusal } from './import-refusal.js';

interface ConnectionOptions {
  connection: string;
  json?: boolean;
}
interface ImportOptions extends ConnectionOptions {
  skipInvalid?: boolean;
}
interface PeriodOptions extends ConnectionOptions {
  period: string;
  rep?: string;
}

async function readPlan(file: string) {
  const text = await readFile(file, 'utf8');
  const parsed = parsePlanFile(text);
  if (!parsed.ok) {
    const list = parsed.problems
      .map((p) => `  ${p.line === null ? '' : `line ${p.line}: `}${p.path || '(file)'}: ${p.message}`)
      .join('\n');
    throw new CliError(`${file} has ${parsed.problems.length} problem(s), so it was not accepted:\n${list}`);
  }
  return { text, plan: parsed.plan };
}

interface Scope {
  readonly db: Db;
  readonly connection: Connection;
  readonly period: Period;
  readonly emails: Map<string, string>;
  /** Owner id of `--rep`, or null = every rep. */
  readonly ownerIds: string[] | null;
}

async function scope(ctx: CliContext, o: PeriodOptions): Promise<Scope> {
  const { db, connections } = await ctx.ready();
  const connection = await connections.get(o.connection);
  const period = parsePeriod(o.period, connection);
  const { emails } = await compDirectory(db, connection.id);
  let ownerIds: string[] | null = null;
  if (o.rep !== undefined) {
    const email = o.rep.toLowerCase();
    ownerIds = [...emails].filter(([, e]) => e === email).map(([id]) => id);
    if (ownerIds.length === 0) throw usageError(`${o.rep} is not a rep of ${connection.name}.`);
  }
  return { db, connection, period, emails, ownerIds };
}

const byEmail = (emails: ReadonlyMap<string, string>) => {
  const out = new Map<string, string>();
  for (const [id, email] of emails) out.set(email, id);
  return out;
};

/**
 * The statements a period asks for (DESIGN §12): its own, and those of the shorter payout periods
 * inside it, so a monthly plan asked for a quarter lists its three months (and a year lists its
 * quarters and months). A month asked of reps paid per quarter is refused with the quarter to ask.
 */
async function periodDocument(s: Scope): Promise<{ document: StatementsDocument; keys: string }> {
  const inside: Period[] = [s.period];
  if (s.period.grain === 'year') inside.push(...payoutPeriodsIn('quarter', s.period, s.connection));
  if (s.period.grain !== 'month') inside.push(...payoutPeriodsIn('month', s.period, s.connection));
  const found: { key: string; rows: Awaited<ReturnType<typeof statementsIn>> }[] = [];
  for (const p of inside) {
    const rows = await statementsIn(s.db, s.connection.id, p.key, s.ownerIds);
    if (rows.length > 0) found.push({ key: p.key, rows });
  }
  if (found.length === 0 && s.period.grain === 'month') {
    const quarter = periodContaining('quarter', s.period.start, s.connection);
    if ((await statementsIn(s.db, s.connection.id, quarter.key, s.ownerIds)).length > 0)
      throw usageError(
        `These reps are paid per quarter, so ${s.period.key} has no statement of its own; ask for --period ${quarter.key}.`,
      );
  }
  const closedKeys = await closedPeriods(s.db, s.connection.id);
  const closed =
    found.length === 0 ? closedKeys.has(s.period.key) : found.every(({ key }) => closedKeys.has(key));
  const document = compStatementsDocument(
    s.period,
    s.connection.currency ?? 'USD',
    closed,
    found.flatMap(({ rows }) => rows.map((r) => r.document as RepStatement)),
  );
  return { document, keys: found.map(({ key }) => key).join(', ') || s.period.key };
}

/** `salesops comp …` (DESIGN §7, §12): plans, assignments, adjustments, statements and their close. */
export function registerComp(program: Command, ctx: CliContext): void {
  const comp = program.command('comp').description('compensation: plans, assignments, statements, close');
  const plan = comp.command('plan').description('compensation plans as YAML files, versioned by hash');
  plan
    .command('validate')
    .description('check a plan file and list every problem with its path')
    .argument('<file>', 'plan YAML (DESIGN §12)')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: { json?: boolean }) => {
      const { plan: parsed } = await readPlan(file);
      if (o.json) printJson(ctx.io, { file, valid: true, name: parsed.name, hash: parsed.hash });
      else printLine(ctx.io, `${file}: plan "${parsed.name}" is valid (hash ${parsed.hash.slice(0, 12)}).`);
    });
  plan
    .command('add')
    .description('add a plan version (the same plan again changes nothing)')
    .argument('<file>', 'plan YAML (DESIGN §12)')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: { json?: boolean }) => {
      const { text, plan: parsed } = await readPlan(file);
      const { db } = await ctx.ready();
      const added = await addPlanVersion(db, {
        name: parsed.name,
        hash: parsed.hash,
        yaml: text,
        parsed: canonicalJson(parsed),
      });
      if (o.json) printJson(ctx.io, { file, name: parsed.name, hash: parsed.hash, added });
      else
        printLine(
          ctx.io,
          `${added ? 'Added' : 'Already had'} plan "${parsed.name}" version ${parsed.hash.slice(0, 12)}.`,
        );
    });

  comp
    .command('assign')
    .description('assign plans to reps from a CSV file')
    .argument('<file>', 'CSV: owner_email,plan,start,end[,target_incentive,draw]')
    .requiredOption('--connection <name>', 'connection the reps belong to')
    .option('--skip-invalid', 'apply the valid rows and list the invalid ones')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: ImportOptions) => {
      const text = await readFile(file, 'utf8');
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const { emails } = await compDirectory(db, connection.id);
      const result = parseCompAssignments(text, {
        ownerEmails: new Set(emails.values()),
        planNames: await planNames(db),
      });
      if (result.problems.length > 0 && !o.skipInvalid) throw refusal(file, result.problems);
      const ids = byEmail(emails);
      const changed = await upsertAssignments(
        db,
        result.rows.map(({ value }) => ({
          connection_id: connection.id,
          owner_id: ids.get(value.ownerEmail) as string,
          plan_name: value.plan,
          start_date: value.start,
          end_date: value.end,
          target_incentive:
            value.targetIncentiveCents === null ? null : centsToDecimal(value.targetIncentiveCents),
          draw: value.drawCents === null ? null : centsToDecimal(value.drawCents),
        })),
      );
      if (o.json) printJson(ctx.io, { file, rows: result.rows.length, changed, skipped: result.problems });
      else {
        printLine(ctx.io, `Applied ${result.rows.length} assignment(s) from ${file}: ${changed} changed.`);
        for (const p of result.problems) printLine(ctx.io, `Skipped line ${p.line}: ${p.reason}.`);
      }
    });

  comp
    .command('adjust')
    .description('post manual adjustments and SPIFs from a CSV file')
    .argument('<file>', 'CSV: owner_email,period,amount,reason')
    .requiredOption('--connection <name>', 'connection the reps belong to')
    .option('--skip-invalid', 'apply the valid rows and list the invalid ones')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: ImportOptions) => {
      const text = await readFile(file, 'utf8');
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const { emails } = await compDirectory(db, connection.id);
      const result = parseCompAdjustments(text, { ownerEmails: new Set(emails.values()) });
      if (result.problems.length > 0 && !o.skipInvalid) throw refusal(file, result.problems);
      const ids = byEmail(emails);
      const added = await addManualAdjustments(
        db,
        result.rows.map(({ value }) => ({
          connection_id: connection.id,
          owner_id: ids.get(value.ownerEmail) as string,
          period_key: value.period,
          amount: centsToDecimal(value.amountCents),
          reason: value.reason,
          deal_id: null,
          source_period: null,
        })),
      );
      if (o.json) printJson(ctx.io, { file, rows: result.rows.length, added, skipped: result.problems });
      else {
        printLine(ctx.io, `Posted ${added} adjustment(s) from ${file} (${result.rows.length} valid row(s)).`);
        for (const p of result.problems) printLine(ctx.io, `Skipped line ${p.line}: ${p.reason}.`);
      }
    });

  comp
    .command('statements')
    .description('the statements of a period, as the last sync computed them')
    .requiredOption('--connection <name>', 'connection')
    .requiredOption('--period <period>', 'e.g. 2026-Q3 or 2026-07')
    .option('--rep <email>', 'one rep only')
    .option('--json', 'print one JSON document')
    .option('--csv', 'the payroll file: one row per rep')
    .option('--html <file>', 'write the statements as a page a rep can read')
    .action(async (o: PeriodOptions & { csv?: boolean; html?: string }) => {
      if ([o.json, o.csv, o.html !== undefined].filter(Boolean).length > 1)
        throw usageError('Choose one of --json, --csv and --html.');
      const s = await scope(ctx, o);
      const { document, keys } = await periodDocument(s);
      if (o.json) return printJson(ctx.io, document);
      if (o.csv) return printCsv(ctx.io, payrollCsvRows(document));
      if (o.html !== undefined) {
        const title = `Compensation statements ${s.period.key} · ${s.connection.name}`;
        try {
          await writeFile(o.html, compStatementsHtml(document, title), 'utf8');
        } catch (error) {
          throw new CliError(
            `Cannot write ${o.html} (${(error as NodeJS.ErrnoException).code ?? 'error'}); choose a writable path.`,
          );
        }
        return printLine(
          ctx.io,
          `Wrote ${document.statements.length} statement(s) for ${keys} to ${o.html}.`,
        );
      }
      if (document.statements.length === 0)
        printLine(
          ctx.io,
          `No statements for ${s.period.key} yet (assign plans, then sync ${s.connection.name}).`,
        );
      for (const st of document.statements) {
        const parts = st.components.map((c) => `${c.name} ${c.payout.toFixed(2)}`).join(', ');
        const when = st.period.key === s.period.key ? '' : ` (${st.period.key})`;
        printLine(
          ctx.io,
          `${st.ownerEmail}${when}: ${parts}; total ${st.total.toFixed(2)} ${document.currency}`,
        );
      }
    });

  comp
    .command('approve')
    .description("approve a period's open statements (all, or one rep's)")
    .requiredOption('--connection <name>', 'connection')
    .requiredOption('--period <period>', 'e.g. 2026-Q3')
    .option('--rep <email>', 'one rep only')
    .option('--json', 'print one JSON document')
    .action(async (o: PeriodOptions) => {
      const s = await scope(ctx, o);
      const approved = await approveStatements(s.db, s.connection.id, s.period.key, s.ownerIds);
      if (o.json) printJson(ctx.io, { period: s.period.key, approved });
      else printLine(ctx.io, `Approved ${approved} statement(s) for ${s.period.key}.`);
    });

  comp
    .command('dispute')
    .description('dispute one line of a statement, with a comment')
    .requiredOption('--connection <name>', 'connection')
    .requiredOption('--period <period>', 'e.g. 2026-Q3')
    .requiredOption('--rep <email>', 'whose statement')
    .requiredOption('--line <key>', 'a component name or a deal id')
    .requiredOption('--comment <text>', 'what is wrong')
    .option('--json', 'print one JSON document')
    .action(async (o: PeriodOptions & { line: string; comment: string }) => {
      const s = await scope(ctx, o);
      const ownerId = s.ownerIds?.[0] as string;
      const id = await openDispute(s.db, {
        connection_id: s.connection.id,
        period_key: s.period.key,
        owner_id: ownerId,
        line_key: o.line,
        comment: o.comment,
      });
      if (o.json) printJson(ctx.io, { id, period: s.period.key, line: o.line });
      else printLine(ctx.io, `Dispute ${id} opened on ${o.line} (${s.period.key}); comp close waits for it.`);
    });

  comp
    .command('close')
    .description('freeze a period: later changes become adjustments in the next open one')
    .requiredOption('--connection <name>', 'connection')
    .requiredOption('--period <period>', 'e.g. 2026-Q3')
    .option('--force', 'close even while disputes are open')
    .option('--json', 'print one JSON document')
    .action(async (o: PeriodOptions & { force?: boolean }) => {
      const s = await scope(ctx, o);
      const result = await closePeriod(s.db, s.connection.id, s.period.key, o.force === true);
      if (!result.closed) {
        if (result.reason === 'already_closed') throw new CliError(`${s.period.key} is already closed.`);
        throw new CliError(
          `${s.period.key} has ${result.openDisputes} open dispute(s); resolve them or rerun with --force.`,
        );
      }
      if (o.json) printJson(ctx.io, { period: s.period.key, ...result });
      else printLine(ctx.io, `Closed ${s.period.key}: ${result.statements} statement(s) frozen.`);
    });
}
