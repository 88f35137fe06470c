import { z } from 'zod';
import {
  runDetailDocument,
  runDetailDocumentSchema,
  runsDocument,
  runsDocumentSchema,
} from '../reports/runs-document.js';
import {
  getRunHistory,
  listRunHistory,
  runPushedValues,
  runQuarantinedRecords,
} from '../warehouse/run-history.js';
import type { Api, ResolvedDeps } from './build-api.js';
import { connectionName } from './connection-routes.js';
import { ApiProblem, problemSchema } from './problem.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
/** As `runs` without --limit. */
const DEFAULT_LIMIT = 20;

/** The run history: `runs --json` and `runs show ID --json`, from the same documents. */
export function registerRunRoutes(app: Api, deps: ResolvedDeps): void {
  app.get(
    '/runs',
    {
      config: { right: 'readConfig' },
      schema: {
        summary: 'runs [--connection N] [--limit K] --json (newest first)',
        tags: ['runs'],
        querystring: z.object({
          connection: connectionName.optional(),
          limit: z.coerce.number().int().min(1).max(10_000).optional(),
        }),
        response: { 200: runsDocumentSchema, ...errors },
      },
    },
    async (request) => {
      const { connection, limit } = request.query;
      const connectionId = connection === undefined ? undefined : (await deps.connections.get(connection)).id;
      return runsDocument(
        await listRunHistory(deps.db, {
          limit: limit ?? DEFAULT_LIMIT,
          ...(connectionId !== undefined && { connectionId }),
        }),
      );
    },
  );

  app.get(
    '/runs/:id',
    {
      config: { right: 'readConfig' },
      schema: {
        summary: 'runs show ID --json: stages, quarantined records, every pushed value old → new',
        tags: ['runs'],
        params: z.object({
          id: z.coerce
            .number()
            .int()
            .positive()
            .max(2 ** 31 - 1),
        }),
        response: { 200: runDetailDocumentSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const run = await getRunHistory(deps.db, id);
      if (!run) throw new ApiProblem(404, `There is no run ${id}; GET /runs lists the runs.`);
      return runDetailDocument(run, {
        quarantined: await runQuarantinedRecords(deps.db, id),
        values: await runPushedValues(deps.db, id),
      });
    },
  );
}
