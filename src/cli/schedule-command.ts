import type { Command } from 'commander';
import { CronExpressionParser } from 'cron-parser';
import { sql } from 'kysely';
import { reconcileSchedules } from '../schedule/reconcile-schedules.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { printJson, printLine, printTable } from './cli-io.js';
import { parseTimeZone } from './connections-command.js';
import { openEngine } from './engine-env.js';

/** The same parser BullMQ uses for job schedulers, so what validates here runs there. */
export function parseCron(expression: string, timeZone: string): Date {
  const fields = expression.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) {
    throw usageError(
      `--cron expects 5 fields (minute hour day-of-month month day-of-week), such as "0 6 * * 1-5"; got "${expression}".`,
    );
  }
  try {
    return CronExpressionParser.parse(expression, { tz: timeZone }).next().toDate();
  } catch (error) {
    throw usageError(
      `--cron "${expression}" is not a valid cron expression (${(error as Error).message}); e.g. "0 6 * * 1-5" for 06:00 on weekdays.`,
    );
  }
}

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
      const next = parseCron(o.cron, tz);
      await engine.db
        .insertInto('schedules')
        .values({ connection_id: connection.id, cron: o.cron, time_zone: tz, enabled: true })
        .onConflict((oc) =>
          oc
            .column('connection_id')
            .doUpdateSet({ cron: o.cron, time_zone: tz, enabled: true, updated_at: sql`now()` }),
        )
        .execute();
      await reconcileSchedules(engine.db, engine.queue);
      if (o.json)
        printJson(ctx.io, { name, cron: o.cron, timeZone: tz, enabled: true, nextRun: next.toISOString() });
      else
        printLine(
          ctx.io,
          `"${name}" syncs on "${o.cron}" (${tz}); next run ${next.toISOString()}. A running \`salesops worker\` executes it.`,
        );
    });

  schedule
    .command('list')
    .description('list schedules')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      const engine = await openEngine(ctx);
      const rows = await engine.db
        .selectFrom('schedules')
        .innerJoin('connections', 'connections.id', 'schedules.connection_id')
        .select(['connections.name', 'schedules.cron', 'schedules.time_zone', 'schedules.enabled'])
        .where('connections.removed_at', 'is', null)
        .orderBy('connections.name')
        .execute();
      const list = rows.map((r) => ({
        name: r.name,
        cron: r.cron,
        timeZone: r.time_zone,
        enabled: r.enabled,
        nextRun: r.enabled ? parseCron(r.cron, r.time_zone).toISOString() : null,
      }));
      if (o.json) return printJson(ctx.io, list);
      if (list.length === 0)
        return printLine(
          ctx.io,
          'No schedules: add one with `salesops schedule set NAME --cron "0 6 * * *"`.',
        );
      printTable(
        ctx.io,
        ['connection', 'cron', 'time zone', 'state', 'next run'],
        list.map((s) => [s.name, s.cron, s.timeZone, s.enabled ? 'active' : 'paused', s.nextRun]),
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
      .action(async (name: string) => {
        const engine = await openEngine(ctx);
        const connection = await engine.connections.get(name);
        const result = await engine.db
          .updateTable('schedules')
          .set({ enabled, updated_at: sql`now()` })
          .where('connection_id', '=', connection.id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) {
          throw usageError(
            `"${name}" has no schedule; set one with \`salesops schedule set ${name} --cron "0 6 * * *"\`.`,
          );
        }
        await reconcileSchedules(engine.db, engine.queue);
        printLine(ctx.io, `Schedule of "${name}" ${enabled ? 'resumed' : 'paused'}.`);
      });
  }
}
