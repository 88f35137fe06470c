import type { Command } from 'commander';
import { readCsv } from '../imports/csv-import.js';
import { applyRepSettings, repSettingsCsv, resolveRepSettings } from '../imports/rep-settings-import.js';
import type { CliContext } from './cli-context.js';
import { printJson, printLine } from './cli-io.js';
import { refusal } from './import-refusal.js';

interface RepsOptions {
  connection: string;
  skipInvalid?: boolean;
  json?: boolean;
}

export function registerSettings(program: Command, ctx: CliContext): void {
  const settings = program.command('settings').description('rep settings for lead routing');
  settings
    .command('reps')
    .description(
      'import lead weights and availability windows (owner_email,lead_weight[,available_from,available_to,hours,tz])',
    )
    .argument('<file>', 'CSV file, one row per availability window')
    .requiredOption('--connection <name>', 'connection name')
    .option('--skip-invalid', 'apply the valid rows and list the rest')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: RepsOptions) => {
      const parsed = await readCsv(file, repSettingsCsv);
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const resolved = await resolveRepSettings(db, connection.id, parsed.rows);
      const problems = [...parsed.problems, ...resolved.problems].sort((a, b) => a.line - b.line);
      if (problems.length > 0 && !o.skipInvalid) throw refusal(file, problems);
      const result = await applyRepSettings(db, connection.id, resolved.windows);
      if (o.json) {
        printJson(ctx.io, { ...result, unchanged: result.owners - result.changed, skipped: problems });
        return;
      }
      printLine(
        ctx.io,
        `Imported ${result.windows} window(s) for ${result.owners} rep(s) on "${connection.name}": ${result.changed} changed, ${result.owners - result.changed} unchanged.`,
      );
      if (problems.length > 0) {
        ctx.io.stderr.write(
          `Skipped ${problems.length} invalid row(s):\n${problems.map((p) => `  line ${p.line}: ${p.reason}`).join('\n')}\n`,
        );
      }
    });
}
