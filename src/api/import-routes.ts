import { z } from 'zod';
import type { CsvProblem } from '../imports/csv-import.js';
import { parseCsv } from '../imports/csv-import.js';
import { applyQuotaImport, planQuotaImport, quotaCsvSpec } from '../imports/quotas-import.js';
import { applyRepSettings, repSettingsCsv, resolveRepSettings } from '../imports/rep-settings-import.js';
import { centsToDecimal } from '../warehouse/money.js';
import { type Api, callerOf, IMPORT_BODY_BYTES, type ResolvedDeps } from './build-api.js';
import { nameParams } from './connection-routes.js';
import { ApiProblem, problemSchema } from './problem.js';

const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  413: problemSchema,
  415: problemSchema,
  422: problemSchema,
};
const importQuery = z.object({
  skipInvalid: z.enum(['true', 'false']).optional().describe('apply the valid rows and list the rest'),
});
const csvBody = z.string().describe('the CSV file, as `Content-Type: text/csv`');

/** The whole-file rule of DESIGN §7 as HTTP: any bad line refuses the file, every bad line listed. */
export function refuse(problems: readonly CsvProblem[]): ApiProblem {
  return new ApiProblem(
    422,
    `The file has ${problems.length} invalid row(s), so nothing was imported; fix them or send it again with skipInvalid=true.`,
    problems.map((p) => ({ line: p.line, message: p.reason })),
  );
}

/** Quota and rep-settings uploads: the CLI's `quotas import` and `settings reps`, same rules. */
export function registerImportRoutes(app: Api, deps: ResolvedDeps): void {
  app.put(
    '/connections/:name/quotas',
    {
      config: { right: 'changeConfig' },
      bodyLimit: IMPORT_BODY_BYTES,
      schema: {
        summary: 'quotas import FILE.csv --connection N [--skip-invalid] --json',
        tags: ['imports'],
        params: nameParams,
        querystring: importQuery,
        body: csvBody,
        response: { 200: z.looseObject({}), ...errors },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const connection = await deps.connections.get(request.params.name);
      const csv = parseCsv(request.body, quotaCsvSpec);
      const plan = await planQuotaImport(deps.db, connection, csv);
      if (plan.problems.length > 0 && request.query.skipInvalid !== 'true') throw refuse(plan.problems);
      const file = `api:${caller.email}`;
      const result = await applyQuotaImport(deps.db, connection, file, plan.months);
      await deps.recordChange({
        actor: caller,
        entity: 'quota',
        action: 'import',
        key: connection.name,
        before: null,
        after: plan.months.map((m) => ({
          ownerId: m.ownerId,
          teamId: m.teamId,
          month: m.month,
          amount: Number(centsToDecimal(m.cents)),
        })),
      });
      return {
        file,
        connection: connection.name,
        currency: connection.currency,
        rows: plan.goodLines.length,
        months: result.months,
        changed: result.changed,
        total: Number(centsToDecimal(result.totalCents)),
        skipped: plan.problems,
      };
    },
  );

  app.put(
    '/connections/:name/rep-settings',
    {
      config: { right: 'changeConfig' },
      bodyLimit: IMPORT_BODY_BYTES,
      schema: {
        summary: 'settings reps FILE.csv --connection N [--skip-invalid] --json',
        tags: ['imports'],
        params: nameParams,
        querystring: importQuery,
        body: csvBody,
        response: { 200: z.looseObject({}), ...errors },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const connection = await deps.connections.get(request.params.name);
      const parsed = parseCsv(request.body, repSettingsCsv);
      const resolved = await resolveRepSettings(deps.db, connection.id, parsed.rows);
      const problems = [...parsed.problems, ...resolved.problems].sort((a, b) => a.line - b.line);
      if (problems.length > 0 && request.query.skipInvalid !== 'true') throw refuse(problems);
      const result = await applyRepSettings(deps.db, connection.id, resolved.windows);
      await deps.recordChange({
        actor: caller,
        entity: 'rep_setting',
        action: 'import',
        key: connection.name,
        before: null,
        after: resolved.windows,
      });
      return { ...result, unchanged: result.owners - result.changed, skipped: problems };
    },
  );
}
