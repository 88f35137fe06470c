import { z } from 'zod';
import { parsePeriod } from '../calendar/periods.js';
import { DEFAULT_FIELDS, fieldMappingsOf } from '../push/field-specs.js';
import { fieldMappingsDocument } from '../reports/field-mappings-document.js';
import { routeSimulateDocument } from '../reports/route-simulate-document.js';
import { installRulesText } from '../route/install-routing-rules.js';
import { explainLead } from '../route/route-explain.js';
import { routeReport } from '../route/route-report.js';
import { simulateRoutingPeriod } from '../route/simulate-routing-period.js';
import { activeRoutingRules } from '../warehouse/routing-tables.js';
import { type Api, callerOf, type ResolvedDeps } from './build-api.js';
import { connectionName, nameParams } from './connection-routes.js';
import { ApiProblem, problemSchema } from './problem.js';

const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  422: problemSchema,
};
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const period = z.string().regex(/^\d{4}(-(Q[1-4]|\d{2}))?$/, 'a period such as 2026-Q3, 2026-07 or 2026');
const FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const anyDocument = (description: string) => z.looseObject({}).describe(description);

/** Lead routing (rules, decisions, report, shadow runs) and the push-back field mappings. */
export function registerRoutingRoutes(app: Api, deps: ResolvedDeps): void {
  app.get(
    '/connections/:name/routing/rules',
    {
      config: { right: 'readConfig' },
      schema: {
        summary: 'the active routing rules (as installed by `route rules`), or null',
        tags: ['routing'],
        params: nameParams,
        response: { 200: anyDocument('{ hash, installedAt, rules } or { rules: null }'), ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      const active = await activeRoutingRules(deps.db, connection.id);
      return active
        ? { hash: active.hash, installedAt: active.installedAt.toISOString(), rules: active.rules }
        : { hash: null, installedAt: null, rules: null };
    },
  );

  app.put(
    '/connections/:name/routing/rules',
    {
      config: { right: 'changeConfig' },
      schema: {
        summary: 'route rules FILE.yaml --connection N [--dry-run] --json (validated whole)',
        tags: ['routing'],
        params: nameParams,
        querystring: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
        body: z.string().describe('the rules YAML, as `Content-Type: application/yaml`'),
        response: { 200: anyDocument('the `route rules --json` document'), ...errors },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const connection = await deps.connections.get(request.params.name);
      const before = await activeRoutingRules(deps.db, connection.id);
      const dryRun = request.query.dryRun === 'true';
      const result = await installRulesText(deps.db, connection.id, request.body, { dryRun });
      if (!result.ok) {
        throw new ApiProblem(
          422,
          `The rules have ${result.problems.length} problem(s), so none were installed; fix them and send the file again.`,
          result.problems.map((p) => ({ line: p.line, message: p.message })),
        );
      }
      const { rules, ...doc } = result;
      if (!dryRun && result.changed) {
        await deps.recordChange({
          actor: caller,
          entity: 'routing_rules',
          action: 'install',
          key: connection.name,
          before: before && { hash: before.hash },
          after: { hash: result.hash },
        });
      }
      return doc;
    },
  );

  app.get(
    '/connections/:name/routing/report',
    {
      config: { right: 'readAudits' },
      schema: {
        summary: 'route report --connection N --period P --json',
        tags: ['routing'],
        params: nameParams,
        querystring: z.object({ period }),
        response: { 200: anyDocument('the `route report --json` document'), ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      return { ...(await routeReport(deps.db, connection, parsePeriod(request.query.period, connection))) };
    },
  );

  app.get(
    '/connections/:name/routing/decisions/:lead',
    {
      config: { right: 'readAudits' },
      schema: {
        summary: 'route explain LEAD --connection N --json',
        tags: ['routing'],
        params: z.object({
          name: connectionName,
          lead: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a CRM record id'),
        }),
        response: { 200: anyDocument('the `route explain --json` document'), ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      const { lead } = request.params;
      const explanation = await explainLead(deps.db, connection.id, lead, connection.timeZone);
      return {
        ...(explanation ?? { leadId: lead, currentOwner: null, manualOverride: false, decisions: [] }),
      };
    },
  );

  app.get(
    '/connections/:name/routing/simulate',
    {
      config: { right: 'readAudits' },
      schema: {
        summary: 'route simulate --connection N --from D --to D --json (shadow mode, no writes)',
        tags: ['routing'],
        params: nameParams,
        querystring: z.object({ from: day, to: day }),
        response: { 200: anyDocument('the `route simulate --json` document'), ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      const { from, to } = request.query;
      return { ...routeSimulateDocument(await simulateRoutingPeriod(deps.db, connection, from, to)) };
    },
  );

  app.get(
    '/connections/:name/fields',
    {
      config: { right: 'readConfig' },
      schema: {
        summary: 'fields list --connection N --json',
        tags: ['fields'],
        params: nameParams,
        response: { 200: anyDocument('the `fields list --json` document'), ...errors },
      },
    },
    async (request) => ({ ...fieldMappingsDocument(await deps.connections.get(request.params.name)) }),
  );

  app.put(
    '/connections/:name/fields/:metric',
    {
      config: { right: 'changeConfig' },
      schema: {
        summary: 'fields map METRIC [FIELD] | --off | --default --json',
        tags: ['fields'],
        params: z.object({ name: connectionName, metric: z.enum(DEFAULT_FIELDS.map((f) => f.metric)) }),
        body: z.union([
          z
            .object({ field: z.string().regex(FIELD_NAME, 'lowercase letters, digits and _ (at most 40)') })
            .strict(),
          z.object({ off: z.literal(true) }).strict(),
          z.object({ default: z.literal(true) }).strict(),
        ]),
        response: { 200: anyDocument('the `fields map --json` document'), ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      const { metric } = request.params;
      const body = request.body;
      const { [metric]: previous, ...others } = fieldMappingsOf(connection);
      const fieldMappings =
        'default' in body ? others : { ...others, [metric]: 'off' in body ? false : body.field };
      await deps.connections.update(connection.name, { settings: { fieldMappings } });
      const field = 'off' in body ? null : 'default' in body ? metric : body.field;
      await deps.recordChange({
        actor: callerOf(request),
        entity: 'field_mapping',
        action: 'map',
        key: `${connection.name}/${metric}`,
        before: { field: previous === false ? null : (previous ?? metric) },
        after: { field },
      });
      return { connection: connection.name, metric, field, enabled: !('off' in body) };
    },
  );
}
