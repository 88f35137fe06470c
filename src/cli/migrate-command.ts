import type { Command } from 'commander';
import { schemaVersion } from '../migrate.js';
import type { CliContext } from './cli-context.js';
import { printJson, printLine } from './cli-io.js';

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('create the database if needed and apply pending migrations (every command also does this)')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const { db } = await ctx.ready();
      const version = await schemaVersion(db);
      if (options.json) printJson(ctx.io, { schemaVersion: version });
      else printLine(ctx.io, `Database is up to date (schema ${version}).`);
    });
}
