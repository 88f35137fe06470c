import { ApiError } from '../api-error.js';
import { type CustomFieldMetadata, createCustomField } from '../custom-metadata.js';
import { json, parseJsonBody, type Reply, type RequestContext, type SandboxState } from './context.js';

/**
 * POST /tooling/sobjects/CustomField with `{ FullName: 'Opportunity.X__c', Metadata: {...} }`,
 * which is how jsforce's `conn.tooling.create('CustomField', ...)` sends it.
 */
export function createToolingRecord(state: SandboxState, ctx: RequestContext, objectName: string): Reply {
  if (objectName.toLowerCase() !== 'customfield') {
    throw new ApiError(
      400,
      'INVALID_TYPE',
      `The sandbox's Tooling API creates CustomField only, not ${objectName}`,
    );
  }
  const body = parseJsonBody(ctx) as { FullName?: unknown; Metadata?: unknown };
  if (typeof body.FullName !== 'string' || typeof body.Metadata !== 'object' || body.Metadata === null) {
    throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [FullName, Metadata]', [
      'FullName',
      'Metadata',
    ]);
  }
  const id = createCustomField(state.store, body.FullName, body.Metadata as CustomFieldMetadata);
  return json({ id, success: true, errors: [], warnings: [], infos: [] }, 201);
}

export function toolingDescribeGlobal(state: SandboxState, ctx: RequestContext): Reply {
  return json({
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: ['CustomField', 'CustomObject'].map((name) => {
      const t = state.store.toolingTable(name)!;
      return {
        name,
        label: t.def.label,
        keyPrefix: t.def.keyPrefix,
        custom: false,
        queryable: true,
        createable: true,
        updateable: false,
        deletable: false,
        urls: { sobject: `${ctx.base}/tooling/sobjects/${name}` },
      };
    }),
  });
}
