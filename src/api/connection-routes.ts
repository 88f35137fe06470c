import { IANAZone } from 'luxon';
import { z } from 'zod';
import { connectionsDocument } from '../reports/connections-document.js';
import { schedulesDocument } from '../reports/schedules-document.js';
import { nextRunIn } from '../schedule/cron-schedule.js';
import { listSchedules, removeSchedule, setSchedule, setScheduleEnabled } from '../warehouse/schedules.js';
import { lastRunPerConnection } from '../warehouse/sync-runs.js';
import { type Api, callerOf, type ResolvedDeps } from './build-api.js';
import { ApiProblem, problemSchema } from './problem.js';

/** A connection name as `connections add --name` accepts it; anything else is refused before a query. */
export const connectionName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'a connection name is letters, digits, dot, dash or underscore',
  );
export const nameParams = z.object({ name: connectionName });

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

const connectionItem = z.object({
  name: z.string(),
  kind: z.string(),
  baseUrl: z.string().nullable(),
  tier: z.string().nullable(),
  createdAt: z.string(),
  lastRun: z.object({ id: z.number(), status: z.string(), finishedAt: z.string().nullable() }).nullable(),
});
const scheduleItem = z.object({
  name: z.string(),
  cron: z.string(),
  timeZone: z.string(),
  enabled: z.boolean(),
  nextRun: z.string().nullable(),
});

const noSchedule = (name: string) =>
  new ApiProblem(404, `"${name}" has no schedule; set one with PUT /connections/${name}/schedule.`);

/** Connections (never secrets), schedules and sync requests: `connections list`, `schedule …`, `sync`. */
export function registerConnectionRoutes(app: Api, deps: ResolvedDeps): void {
  app.get(
    '/connections',
    {
      config: { right: 'readConfig' },
      schema: {
        summary: 'connections list --json (never secrets)',
        tags: ['connections'],
        response: { 200: z.array(connectionItem), ...errors },
      },
    },
    async () => connectionsDocument(await deps.connections.list(), await lastRunPerConnection(deps.db)),
  );

  app.get(
    '/schedules',
    {
      config: { right: 'readConfig' },
      schema: {
        summary: 'schedule list --json',
        tags: ['schedules'],
        response: { 200: z.array(scheduleItem), ...errors },
      },
    },
    async () => schedulesDocument(await listSchedules(deps.db), deps.now()),
  );

  app.put(
    '/connections/:name/schedule',
    {
      config: { right: 'changeConfig' },
      schema: {
        summary: 'schedule set N --cron EXPR [--tz ZONE] --json',
        tags: ['schedules'],
        params: nameParams,
        body: z.object({
          cron: z.string().min(1).max(200),
          timeZone: z
            .string()
            .refine((zone) => IANAZone.isValidZone(zone), 'an IANA time zone such as Europe/Berlin')
            .optional(),
        }),
        response: { 200: scheduleItem, ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      const timeZone = request.body.timeZone ?? connection.timeZone;
      const nextRun = nextRunIn(request.body.cron, timeZone, deps.now());
      const before = (await listSchedules(deps.db)).find((s) => s.connectionId === connection.id) ?? null;
      await setSchedule(deps.db, connection.id, request.body.cron, timeZone);
      await deps.reconcileSchedules();
      const after = { cron: request.body.cron, timeZone, enabled: true };
      await deps.recordChange({
        actor: callerOf(request),
        entity: 'schedule',
        action: 'set',
        key: connection.name,
        before: before && { cron: before.cron, timeZone: before.timeZone, enabled: before.enabled },
        after,
      });
      return { name: connection.name, ...after, nextRun };
    },
  );

  for (const [action, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    app.post(
      `/connections/:name/schedule/${action}`,
      {
        config: { right: 'changeConfig' },
        schema: {
          summary: `schedule ${action} N --json`,
          tags: ['schedules'],
          params: nameParams,
          response: { 200: z.object({ name: z.string(), enabled: z.boolean() }), ...errors },
        },
      },
      async (request) => {
        const connection = await deps.connections.get(request.params.name);
        const before = (await listSchedules(deps.db)).find((s) => s.connectionId === connection.id);
        if (!(await setScheduleEnabled(deps.db, connection.id, enabled))) throw noSchedule(connection.name);
        await deps.reconcileSchedules();
        await deps.recordChange({
          actor: callerOf(request),
          entity: 'schedule',
          action,
          key: connection.name,
          before: { enabled: before?.enabled ?? null },
          after: { enabled },
        });
        return { name: connection.name, enabled };
      },
    );
  }

  app.delete(
    '/connections/:name/schedule',
    {
      config: { right: 'changeConfig' },
      schema: {
        summary: 'schedule remove N --json',
        tags: ['schedules'],
        params: nameParams,
        response: { 200: z.object({ name: z.string(), removed: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      const before = (await listSchedules(deps.db)).find((s) => s.connectionId === connection.id);
      if (!before || !(await removeSchedule(deps.db, connection.id))) throw noSchedule(connection.name);
      await deps.reconcileSchedules();
      await deps.recordChange({
        actor: callerOf(request),
        entity: 'schedule',
        action: 'remove',
        key: connection.name,
        before: { cron: before.cron, timeZone: before.timeZone, enabled: before.enabled },
        after: null,
      });
      return { name: connection.name, removed: true as const };
    },
  );

  app.post(
    '/connections/:name/syncs',
    {
      config: { right: 'runSync' },
      schema: {
        summary: 'sync N [--full] [--no-push] [--dry-run]: enqueue, or join the running run',
        tags: ['runs'],
        params: nameParams,
        body: z
          .object({
            full: z.boolean().optional(),
            push: z.boolean().optional(),
            dryRun: z.boolean().optional(),
          })
          .strict()
          .optional(),
        response: { 202: z.object({ runId: z.number().int(), joined: z.boolean() }), ...errors },
      },
    },
    async (request, reply) => {
      const connection = await deps.connections.get(request.params.name);
      const body = request.body ?? {};
      // The same options `salesops sync` passes, so an API run and a CLI run are the same run.
      const run = await deps.requestSync(connection, {
        full: body.full === true,
        push: body.push !== false,
        dryRun: body.dryRun === true,
      });
      return reply.code(202).send(run);
    },
  );
}
