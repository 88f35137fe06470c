import { z } from 'zod';
import { canonicalJson, parsePlanFile } from '../comp/plan-file.js';
import { parseCompAssignments } from '../imports/comp-assignments-import.js';
import { compDirectory } from '../warehouse/comp-inputs.js';
import { addPlanVersion, planNames, upsertAssignments } from '../warehouse/comp-tables.js';
import { centsToDecimal } from '../warehouse/money.js';
import { type Api, callerOf, IMPORT_BODY_BYTES, type ResolvedDeps } from './build-api.js';
import { nameParams } from './connection-routes.js';
import { refuse } from './import-routes.js';
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

/** Compensation plans and assignments: `comp plan add` and `comp assign`, same validation. */
export function registerCompRoutes(app: Api, deps: ResolvedDeps): void {
  app.post(
    '/comp/plans',
    {
      config: { right: 'changeConfig' },
      schema: {
        summary: 'comp plan add FILE.yaml --json (the same plan again changes nothing)',
        tags: ['comp'],
        body: z.string().describe('the plan YAML (DESIGN §12), as `Content-Type: application/yaml`'),
        response: {
          200: z.object({ file: z.string(), name: z.string(), hash: z.string(), added: z.boolean() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const parsed = parsePlanFile(request.body);
      if (!parsed.ok) {
        throw new ApiProblem(
          422,
          `The plan has ${parsed.problems.length} problem(s), so it was not accepted; fix them and send it again.`,
          parsed.problems.map((p) => ({ line: p.line, message: `${p.path || '(file)'}: ${p.message}` })),
        );
      }
      const plan = parsed.plan;
      const added = await addPlanVersion(deps.db, {
        name: plan.name,
        hash: plan.hash,
        yaml: request.body,
        parsed: canonicalJson(plan),
      });
      if (added) {
        await deps.recordChange({
          actor: caller,
          entity: 'plan',
          action: 'add',
          key: plan.name,
          before: null,
          after: { hash: plan.hash },
        });
      }
      return { file: `api:${caller.email}`, name: plan.name, hash: plan.hash, added };
    },
  );

  app.put(
    '/connections/:name/comp/assignments',
    {
      config: { right: 'changeConfig' },
      bodyLimit: IMPORT_BODY_BYTES,
      schema: {
        summary: 'comp assign FILE.csv --connection N [--skip-invalid] --json',
        tags: ['comp'],
        params: nameParams,
        querystring: z.object({ skipInvalid: z.enum(['true', 'false']).optional() }),
        body: z.string().describe('CSV: owner_email,plan,start,end[,target_incentive,draw]'),
        response: { 200: z.looseObject({}), ...errors },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const connection = await deps.connections.get(request.params.name);
      const { emails } = await compDirectory(deps.db, connection.id);
      const result = parseCompAssignments(request.body, {
        ownerEmails: new Set(emails.values()),
        planNames: await planNames(deps.db),
      });
      if (result.problems.length > 0 && request.query.skipInvalid !== 'true') throw refuse(result.problems);
      const ids = new Map([...emails].map(([id, email]) => [email, id]));
      const rows = result.rows.map(({ value }) => ({
        connection_id: connection.id,
        owner_id: ids.get(value.ownerEmail) as string,
        plan_name: value.plan,
        start_date: value.start,
        end_date: value.end,
        target_incentive:
          value.targetIncentiveCents === null ? null : centsToDecimal(value.targetIncentiveCents),
        draw: value.drawCents === null ? null : centsToDecimal(value.drawCents),
      }));
      const changed = await upsertAssignments(deps.db, rows);
      await deps.recordChange({
        actor: caller,
        entity: 'assignment',
        action: 'import',
        key: connection.name,
        before: null,
        after: result.rows.map(({ value }) => ({
          ownerEmail: value.ownerEmail,
          plan: value.plan,
          start: value.start,
          end: value.end,
        })),
      });
      return { file: `api:${caller.email}`, rows: result.rows.length, changed, skipped: result.problems };
    },
  );
}
