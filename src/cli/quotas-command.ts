import type { Command } from 'commander';
import { readCsv } from '../imports/csv-import.js';
import { applyQuotaImport, planQuotaImport, quotaCsvSpec } from '../imports/quotas-import.js';
import { centsToDecimal } from '../warehouse/money.js';
import type { CliContext } from './cli-context.js';
import { printJson, printLine } from './cli-io.js';
import { refusal } from './import-refusal.js';

interface ImportOptions {
  connection: string;
  skipInvalid?: boolean;
  json?: boolean;
}

/** `salesops quotas import`: DESIGN §7 import rules; the rules of the file are in quotas-import.ts. */
export function registerQuotas(program: Command, ctx: CliContext): void {
  const quotas = program.command('quotas').description('sales quotas (month grain; CSV beats the CRM)');
  quotas
    .command('import')
    .description('import rep or team quotas from a CSV file')
    .argument('<file>', 'CSV: owner_email|team_name,period_start,period_end,amount[,currency]')
    .requiredOption('--connection <name>', 'connection the quotas belong to')
    .option('--skip-invalid', 'apply the valid rows and list the invalid ones')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: ImportOptions) => {
      const csv = await readCsv(file, quotaCsvSpec);
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const plan = await planQuotaImport(db, connection, csv);
      if (plan.problems.length > 0 && !o.skipInvalid) throw refusal(file, plan.problems);
      const result = await applyQuotaImport(db, connection, file, plan.months);
      const total = centsToDecimal(result.totalCents);
      if (o.json) {
        printJson(ctx.io, {
          file,
          connection: connection.name,
          currency: connection.currency,
          rows: plan.goodLines.length,
          months: result.months,
          changed: result.changed,
          total: Number(total),
          skipped: plan.problems,
        });
        return;
      }
      printLine(
        ctx.io,
        `Applied ${plan.goodLines.length} row(s) from ${file}: ${result.months} owner/team-month(s), ${result.changed} changed, total ${total}${connection.currency ? ` ${connection.currency}` : ''}.`,
      );
      for (const p of plan.problems) printLine(ctx.io, `Skipped line ${p.line}: ${p.reason}.`);
    });
}
