import type { Command } from 'commander';
import { selectConfigAudit } from '../warehouse/config-audit.js';
import { CONFIG_ENTITIES, type ConfigEntity } from '../warehouse/tables-people.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { printJson, printLine, printTable } from './cli-io.js';

function parseEntity(value: string): ConfigEntity {
  const entity = CONFIG_ENTITIES.find((e) => e === value);
  if (!entity) throw usageError(`--entity expects one of ${CONFIG_ENTITIES.join(', ')}; got "${value}".`);
  return entity;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 10_000)
    throw usageError(`--limit expects a whole number from 1 to 10000; got "${value}".`);
  return n;
}

/** A value in one table cell: short JSON, cut where a person would stop reading. */
const cell = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** `salesops audit config`: who changed which configuration when, before → after (DESIGN §13). */
export function registerAuditConfig(audit: Command, ctx: CliContext): void {
  audit
    .command('config')
    .description('every configuration change: who, when, what, before → after (newest first)')
    .option('--entity <entity>', `only one kind (${CONFIG_ENTITIES.join(', ')})`, parseEntity)
    .option('--limit <k>', 'at most K rows (default 50)', parseLimit, 50)
    .option('--json', 'print one JSON document')
    .action(async (o: { entity?: ConfigEntity; limit: number; json?: boolean }) => {
      const { db } = await ctx.ready();
      const rows = await selectConfigAudit(db, { limit: o.limit, ...(o.entity ? { entity: o.entity } : {}) });
      const changes = rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: r.actor,
        entity: r.entity,
        key: r.key,
        action: r.action,
        before: r.before ?? null,
        after: r.after ?? null,
      }));
      if (o.json) return printJson(ctx.io, changes);
      if (changes.length === 0) return printLine(ctx.io, 'No configuration changes recorded yet.');
      printTable(
        ctx.io,
        ['at', 'who', 'what', 'key', 'action', 'before', 'after'],
        changes.map((c) => [
          c.at.slice(0, 19).replace('T', ' '),
          c.actor,
          c.entity,
          c.key,
          c.action,
          cell(c.before),
          cell(c.after),
        ]),
      );
    });
}
