import { z } from 'zod';
import { configAuditDocument } from '../reports/config-audit-document.js';
import { selectConfigAudit } from '../warehouse/config-audit.js';
import { CONFIG_ENTITIES } from '../warehouse/tables-people.js';
import type { Api, ResolvedDeps } from './build-api.js';
import { problemSchema } from './problem.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

/** `GET /audit/config`: every configuration change, from the CLI or the API, newest first. */
export function registerAuditRoutes(app: Api, deps: ResolvedDeps): void {
  app.get(
    '/audit/config',
    {
      config: { right: 'readAudits' },
      schema: {
        summary: 'audit config --json: who changed what, when, before → after',
        tags: ['audits'],
        querystring: z.object({
          entity: z.enum(CONFIG_ENTITIES).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).optional(),
        }),
        response: {
          200: z.array(
            z.object({
              id: z.number(),
              at: z.string(),
              actor: z.string(),
              entity: z.string(),
              key: z.string(),
              action: z.string(),
              before: z.unknown(),
              after: z.unknown(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (request) =>
      configAuditDocument(
        await selectConfigAudit(deps.db, {
          limit: request.query.limit ?? 100,
          ...(request.query.entity && { entity: request.query.entity }),
        }),
      ),
  );
}
