import { z } from 'zod';
import { asOfInstant, parsePeriod } from '../calendar/periods.js';
import type { RepStatement } from '../comp/comp-model.js';
import { computeAttainment } from '../metrics/attainment.js';
import { computeForecast, FORECAST_METHODS } from '../metrics/forecast.js';
import { defaultForecastMethod, loadAccuracy, summarizeAccuracy } from '../metrics/forecast-accuracy.js';
import { auditLeads } from '../metrics/lead-audit.js';
import { computeRepComparison } from '../metrics/rep-comparison.js';
import { attainmentDocument } from '../reports/attainment-document.js';
import { auditDocument } from '../reports/audit-document.js';
import { compStatementsDocument } from '../reports/comp-statements-document.js';
import { accuracyMethods, accuracyScores, forecastDocument } from '../reports/forecast-document.js';
import { repComparisonDocument } from '../reports/rep-comparison-document.js';
import { compDirectory } from '../warehouse/comp-inputs.js';
import { closedPeriods, statementsIn } from '../warehouse/comp-statements.js';
import { EVERYTHING } from './api-caller.js';
import { type Api, callerOf, type ResolvedDeps } from './build-api.js';
import { nameParams } from './connection-routes.js';
import { ApiProblem, problemSchema } from './problem.js';
import { scopedDocument } from './scoped-document.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
/** Periods and dates are short and of a known alphabet; anything else is refused before the calendar sees it. */
const periodQuery = z.object({
  period: z.string().regex(/^\d{4}(-(Q[1-4]|\d{2}))?$/, 'a period such as 2026-Q3, 2026-07 or 2026'),
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
    .optional(),
});
/** Each §7 document; its fields are those of the CLI's --json, kept as they are (never stripped). */
const document = (description: string) => z.looseObject({}).describe(description);

/** Reports (DESIGN §7 documents) from the same metrics and src/reports code the CLI prints. */
export function registerReportRoutes(app: Api, deps: ResolvedDeps): void {
  const prepare = async (name: string, query: z.infer<typeof periodQuery>) => {
    const connection = await deps.connections.get(name);
    return {
      connection,
      period: parsePeriod(query.period, connection),
      asOf: asOfInstant(query.asOf, connection.timeZone),
    };
  };

  app.get(
    '/connections/:name/attainment',
    {
      config: { right: 'readNumbers' },
      schema: {
        summary: 'report attainment --json',
        tags: ['reports'],
        params: nameParams,
        querystring: periodQuery,
        response: { 200: document('the `report attainment --json` document'), ...errors },
      },
    },
    async (request) => {
      const p = await prepare(request.params.name, request.query);
      const result = await computeAttainment(deps.db, p.connection, { period: p.period, asOf: p.asOf });
      return scopedDocument(attainmentDocument(result), await deps.scopeOf(callerOf(request), p.connection));
    },
  );

  app.get(
    '/connections/:name/reps',
    {
      config: { right: 'readNumbers' },
      schema: {
        summary: 'report reps --json',
        tags: ['reports'],
        params: nameParams,
        querystring: periodQuery,
        response: { 200: document('the `report reps --json` document'), ...errors },
      },
    },
    async (request) => {
      const p = await prepare(request.params.name, request.query);
      const result = await computeRepComparison(deps.db, p.connection, { period: p.period, asOf: p.asOf });
      return scopedDocument(
        repComparisonDocument(result),
        await deps.scopeOf(callerOf(request), p.connection),
      );
    },
  );

  app.get(
    '/connections/:name/forecast',
    {
      config: { right: 'readNumbers' },
      schema: {
        summary: 'forecast --json',
        tags: ['reports'],
        params: nameParams,
        querystring: periodQuery.extend({ method: z.enum(FORECAST_METHODS).optional() }),
        response: { 200: document('the `forecast --json` document'), ...errors },
      },
    },
    async (request) => {
      const p = await prepare(request.params.name, request.query);
      const method = request.query.method ?? (await defaultForecastMethod(deps.db, p.connection.id));
      // As the CLI: a forecast under asOf is rebuilt from history, never snapshotted.
      const result = await computeForecast(deps.db, p.connection, {
        period: p.period,
        asOf: p.asOf,
        method,
        replay: request.query.asOf !== undefined,
      });
      return scopedDocument(forecastDocument(result), await deps.scopeOf(callerOf(request), p.connection));
    },
  );

  app.get(
    '/connections/:name/forecast/accuracy',
    {
      config: { right: 'readAudits' },
      schema: {
        summary: 'forecast accuracy --json',
        tags: ['reports'],
        params: nameParams,
        response: { 200: document('the `forecast accuracy --json` document'), ...errors },
      },
    },
    async (request) => {
      const connection = await deps.connections.get(request.params.name);
      const rows = await loadAccuracy(deps.db, connection.id);
      const { summaries, best } = summarizeAccuracy(rows);
      return { defaultMethod: best, methods: accuracyMethods(summaries), scores: accuracyScores(rows) };
    },
  );

  app.get(
    '/connections/:name/audit/leads',
    {
      config: { right: 'readAudits' },
      schema: {
        summary: 'audit leads --json',
        tags: ['audits'],
        params: nameParams,
        querystring: periodQuery,
        response: { 200: document('the `audit leads --json` document'), ...errors },
      },
    },
    async (request) => {
      const p = await prepare(request.params.name, request.query);
      return scopedDocument(
        auditDocument(await auditLeads(deps.db, p.connection, { period: p.period, asOf: p.asOf })),
        EVERYTHING,
      );
    },
  );

  app.get(
    '/connections/:name/comp/statements',
    {
      config: { right: 'readPayouts' },
      schema: {
        summary: 'comp statements --json [--rep EMAIL]; another rep’s statement is 404, every read is logged',
        tags: ['comp'],
        params: nameParams,
        querystring: z.object({
          period: periodQuery.shape.period,
          rep: z.email().max(320).optional(),
        }),
        response: { 200: document('the `comp statements --json` document'), ...errors },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const connection = await deps.connections.get(request.params.name);
      const period = parsePeriod(request.query.period, connection);
      const scope = await deps.scopeOf(caller, connection);
      const { emails } = await compDirectory(deps.db, connection.id);
      let ownerIds: string[] | null = null;
      if (request.query.rep !== undefined) {
        const email = request.query.rep.toLowerCase();
        ownerIds = [...emails].filter(([, e]) => e === email).map(([id]) => id);
        // Outside the caller's scope a statement does not exist: 404, so existence does not leak.
        if (ownerIds.length === 0 || (!scope.all && !scope.ownerEmails.has(email))) {
          throw new ApiProblem(
            404,
            `No statement of ${request.query.rep} in ${period.key} is visible to you.`,
          );
        }
      }
      const rows = await statementsIn(deps.db, connection.id, period.key, ownerIds);
      const closed = (await closedPeriods(deps.db, connection.id)).has(period.key);
      // Only the statements the caller may see are read, and so logged.
      const visible = scope.all
        ? rows
        : rows.filter((r) => scope.ownerEmails.has((emails.get(r.owner_id) ?? '').toLowerCase()));
      const doc = compStatementsDocument(
        period,
        connection.currency ?? 'USD',
        closed,
        visible.map((r) => r.document as RepStatement),
      );
      if (visible.length > 0) {
        await deps.recordPayoutRead?.(
          caller,
          connection,
          period.key,
          visible.map((r) => r.owner_id),
        );
      }
      return scopedDocument(doc, scope);
    },
  );
}
