import type { Command } from 'commander';
import type { Db } from '../db.js';
import { auditedChange, cliActor } from '../people/actor.js';
import { schedulesDocument } from '../reports/schedules-document.js';
import { nextRunIn, parseCron } from '../schedule/cron-schedule.js';
import { reconcileSchedules } from '../schedule/reconcile-schedules.js';
import { listSchedules, removeSchedule, setSchedule, setScheduleEnabled } from '../warehouse/schedules.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { listFormat, printCsv, printJson, printLine, printTable } from './cli-io.js';
import { parseTimeZone } from './connections-command.js';
import { openEngine } from './engine-env.js';

export { nextRunIn, parseCron };

/** The same instant for people: "2026-12-03 06:00 +01:00". */
const readableRun = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} ${iso.slice(19)}`;

/** What the audit log keeps of a schedule (none: null). */
async function scheduleOf(db: Db, connectionId: number) {
  const row = (await listSchedules(db)).find((s) => s.connectionId === connectionId);
  return row ? { cron: row.cron, timeZone: row.timeZone, enabled: row.enabled } : null;
}

const noSchedule = (name: string) =>
  usageError(`"${name}" has no schedule; set one with \`salesops schedule set ${name} --cron "0 6 * * *"\`.`);

export function registerSchedule(program: Command, ctx: CliContext): void {
  const schedule = program
    .command('schedule')
    .description('when each connection syncs by itself (cron + time zone)');

  schedule
    .command('set')
    .description('set or replace the sync schedule of a connection')
    .argument('<name>', 'connection name')
    .requiredOption('--cron <expr>', 'cron expression, e.g. "0 */2 * * *"')
    .option('--tz <zone>', "IANA time zone of the cron (default: the connection's)", parseTimeZone)
    .option('--json', 'print one JSON document')
    .action(async (name: string, o: { cron: string; tz?: string; json?: boolean }) => {
      const engine = await openEngine(ctx);
      const connection = await engine.connections.get(name);
      const tz = o.tz ?? connection.timeZone;
      const next = nextRunIn(o.cron, tz);
      await auditedChange(
        engine.db,
        { actor: cliActor(), entity: 'schedule', key: name, action: 'set' },
        {
          read: (trx) => scheduleOf(trx, connection.id),
          apply: (trx) => setSchedule(trx, connection.id, o.cron, tz),
        },
      );
      await reconcileSchedules(engine.db, engine.queue);
      if (o.json) printJson(ctx.io, { name, cron: o.cron, timeZone: tz, enabled: true, nextRun: next });
      else
        printLine(
          ctx.io,
          `"${name}" syncs on "${o.cron}" (${tz}); next run ${readableRun(next)}. A running \`salesops worker\` executes it.`,
        );
    });

  schedule
    .command('list')
    .description('list schedules')
    .option('--json', 'print one JSON document')
    .option('--csv', 'print CSV')
    .action(async (o: { json?: boolean; csv?: boolean }) => {
      const format = listFormat(o);
      const engine = await openEngine(ctx);
      const rows = await listSchedules(engine.db);
      const list = schedulesDocument(rows);
      if (format === 'json') return printJson(ctx.io, list);
      if (format === 'csv') return printCsv(ctx.io, list);
      if (list.length === 0)
        return printLine(
          ctx.io,
          'No schedules: add one with `salesops schedule set NAME --cron "0 6 * * *"`.',
        );
      printTable(
        ctx.io,
        ['connection', 'cron', 'time zone', 'state', 'next run'],
        list.map((s) => [
          s.name,
          s.cron,
          s.timeZone,
          s.enabled ? 'active' : 'paused',
          s.nextRun === null ? null : readableRun(s.nextRun),
        ]),
      );
    });

  for (const [command, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    schedule
      .command(command)
      .description(`${command} a connection's schedule`)
      .argument('<name>', 'connection name')
      .option('--json', 'print one JSON document')
      .action(async (name: string, o: { json?: boolean }) => {
        const engine = await openEngine(ctx);
        const connection = await engine.connections.get(name);
        const found = await auditedChange(
          engine.db,
          { actor: cliActor(), entity: 'schedule', key: name, action: command },
          {
            read: (trx) => scheduleOf(trx, connection.id),
            apply: async (trx) => {
              // Nothing to change is no change: roll back so no audit row is written.
              if (!(await setScheduleEnabled(trx, connection.id, enabled))) throw noSchedule(name);
              return true;
            },
          },
        );
        if (!found) throw noSchedule(name);
        await reconcileSchedules(engine.db, engine.queue);
        if (o.json) return printJson(ctx.io, { name, enabled });
        printLine(ctx.io, `Schedule of "${name}" ${enabled ? 'resumed' : 'paused'}.`);
      });
  }

  schedule
    .command('remove')
    .description("delete a connection's schedule (it then syncs only when asked)")
    .argument('<name>', 'connection name')
    .option('--json', 'print one JSON document')
    .action(async (name: string, o: { json?: boolean }) => {
      const engine = await openEngine(ctx);
      const connection = await engine.connections.get(name);
      await auditedChange(
        engine.db,
        { actor: cliActor(), entity: 'schedule', key: name, action: 'remove' },
        {
          read: (trx) => scheduleOf(trx, connection.id),
          apply: async (trx) => {
            if (!(await removeSchedule(trx, connection.id))) throw noSchedule(name);
          },
        },
      );
      // Postgres is the record; reconciling drops the BullMQ job scheduler it no longer backs.
      await reconcileSchedules(engine.db, engine.queue);
      if (o.json) return printJson(ctx.io, { name, removed: true });
      printLine(
        ctx.io,
        `Schedule of "${name}" removed; it syncs only when you run \`salesops sync ${name}\`.`,
      );
    });
}
