import type { Command } from 'commander';
import { DEFAULT_FIELDS, fieldMappingsOf } from '../push/field-specs.js';
import { provisionFields } from '../push/provision-fields.js';
import { fieldMappingsDocument } from '../reports/field-mappings-document.js';
import type { CliContext } from './cli-context.js';
import { ExitCode, usageError } from './cli-error.js';
import { listFormat, printCsv, printJson, printLine, printTable } from './cli-io.js';
import { openEngine } from './engine-env.js';

/**
 * `salesops fields`: the push-back fields of a connection (DESIGN §6). `ensure` provisions them
 * in the CRM (the push does it by itself before a connection's first push), `list` shows the
 * mapping metric → field, `map` renames a field or switches it off.
 */
interface EnsureOptions {
  connection: string;
  dryRun?: boolean;
  json?: boolean;
}

interface MapOptions {
  connection: string;
  off?: boolean;
  default?: boolean;
  json?: boolean;
}

const FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export function registerFields(program: Command, ctx: CliContext): void {
  const fields = program.command('fields').description('the fields SalesOps writes into the CRM');

  fields
    .command('ensure')
    .description('create the missing fields in the CRM (idempotent) and report what exists')
    .requiredOption('--connection <name>', 'connection name')
    .option('--dry-run', 'report what would be created, without creating anything')
    .option('--json', 'print one JSON document')
    .action(async (o: EnsureOptions) => {
      const engine = await openEngine(ctx);
      const connection = await engine.connections.get(o.connection);
      const connector = await engine.connectorFor(connection);
      const report = await provisionFields(engine.db, connection, connector, { dryRun: o.dryRun === true });
      if (report.failed.length > 0) ctx.setExitCode(ExitCode.failed);
      if (o.json) {
        printJson(ctx.io, { connection: connection.name, dryRun: o.dryRun === true, ...report });
        return;
      }
      const verb = o.dryRun ? 'Would create' : 'Created';
      const names = (list: readonly { object: string; name: string }[]) =>
        list.length === 0 ? 'none' : list.map((f) => `${f.object}.${f.name}`).join(', ');
      printLine(ctx.io, `${verb}: ${names(report.created)}`);
      printLine(ctx.io, `Already there: ${names(report.existing)}`);
      for (const f of report.failed) {
        printLine(ctx.io, `Could not be done: ${f.object}.${f.name}: ${f.reason}`);
      }
      for (const note of report.notes) printLine(ctx.io, `Note: ${note}`);
      printLine(ctx.io, `${report.calls} mutating call(s) made.`);
    });

  fields
    .command('list')
    .description('show which metric is written to which field, and which are switched off')
    .requiredOption('--connection <name>', 'connection name')
    .option('--json', 'print one JSON document')
    .option('--csv', 'print CSV')
    .action(async (o: { connection: string; json?: boolean; csv?: boolean }) => {
      const format = listFormat(o);
      const { connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const document = fieldMappingsDocument(connection);
      const rows = document.fields;
      if (format === 'json') return printJson(ctx.io, document);
      if (format === 'csv') return printCsv(ctx.io, rows);
      printTable(
        ctx.io,
        ['metric', 'object', 'field', 'type', 'label'],
        rows.map((r) => [r.metric, r.object, r.field ?? '(off)', r.type, r.label]),
      );
    });

  fields
    .command('map')
    .description('write a metric to another field, switch it off (--off) or back to its default (--default)')
    .argument('<metric>', 'metric name, e.g. salesops_win_rate')
    .argument('[field]', 'neutral field name (lowercase, digits, _), e.g. salesops_win_rate_q')
    .requiredOption('--connection <name>', 'connection name')
    .option('--off', 'stop writing this metric')
    .option('--default', 'write this metric to its default field again')
    .option('--json', 'print one JSON document')
    .action(async (metric: string, field: string | undefined, o: MapOptions) => {
      if (!DEFAULT_FIELDS.some((f) => f.metric === metric)) {
        throw usageError(
          `Unknown metric "${metric}"; choose one of ${DEFAULT_FIELDS.map((f) => f.metric).join(', ')}.`,
        );
      }
      if ([field !== undefined, o.off === true, o.default === true].filter(Boolean).length !== 1) {
        throw usageError('Give exactly one of a field name, --off or --default.');
      }
      if (field !== undefined && !FIELD_NAME.test(field)) {
        throw usageError(
          `"${field}" is not a valid field name; use lowercase letters, digits and _ (at most 40).`,
        );
      }
      const { connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const { [metric]: _previous, ...others } = fieldMappingsOf(connection);
      const fieldMappings = o.default ? others : { ...others, [metric]: o.off ? false : (field as string) };
      await connections.update(connection.name, { settings: { fieldMappings } });
      if (o.json) {
        return printJson(ctx.io, {
          connection: connection.name,
          metric,
          field: o.off ? null : o.default ? metric : (field as string),
          enabled: o.off !== true,
        });
      }
      printLine(
        ctx.io,
        o.off
          ? `${metric} is no longer written to "${connection.name}".`
          : `${metric} is written to ${o.default ? metric : field} on "${connection.name}"; the next sync provisions it and writes every value.`,
      );
    });
}
