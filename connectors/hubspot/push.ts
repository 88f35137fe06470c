/**
 * Push-back on HubSpot: idempotent field provisioning (a `salesops` property group and the
 * properties, on deals and on the users object) and batch writes with per-record outcomes.
 */
import { z } from 'zod';
import type {
  FieldObject,
  FieldReport,
  FieldSpec,
  FieldWrite,
  WriteResult,
  WriteTarget,
} from '../connector.js';
import { ConnectorError, isConnectorError } from '../connector-error.js';
import type { HubspotApi } from './api.js';
import { batchReadSchema, listPageSchema, objectSchema, parseRecords } from './schemas.js';
import {
  cursorField,
  ENDPOINTS,
  FIELD_GROUP,
  FIELD_OBJECTS,
  FIELD_TYPES,
  LEAD_OWNER_PROPERTY,
} from './spec.js';

const namesSchema = z.object({ results: z.array(z.object({ name: z.string() })) });
const anySchema = z.unknown();

type Named = { readonly object: FieldObject; readonly name: string };

export async function ensureHubspotFields(
  api: HubspotApi,
  specs: readonly FieldSpec[],
  opts: { readonly dryRun: boolean },
): Promise<FieldReport> {
  const created: Named[] = [];
  const existing: Named[] = [];
  const failed: (Named & { reason: string })[] = [];
  let calls = 0;
  for (const object of ['deal', 'rep'] as const) {
    const wanted = specs.filter((s) => s.object === object);
    if (wanted.length === 0) continue;
    const hubspotObject = FIELD_OBJECTS[object];
    const have = new Set(
      (await api.call('properties', namesSchema, { object: hubspotObject })).results.map((p) => p.name),
    );
    const missing = wanted.filter((s) => !have.has(s.name));
    existing.push(...wanted.filter((s) => have.has(s.name)).map((s) => ({ object, name: s.name })));
    if (missing.length === 0) continue;
    if (opts.dryRun) {
      created.push(...missing.map((s) => ({ object, name: s.name })));
      continue;
    }
    const groups = await api.call('groups', namesSchema, { object: hubspotObject });
    if (!groups.results.some((g) => g.name === FIELD_GROUP.name)) {
      calls++;
      await api.call('createGroup', anySchema, {
        object: hubspotObject,
        body: { ...FIELD_GROUP, displayOrder: -1 },
      });
    }
    for (const spec of missing) {
      calls++;
      try {
        await api.call('createProperty', anySchema, {
          object: hubspotObject,
          body: {
            name: spec.name,
            label: spec.label,
            description: spec.description,
            groupName: FIELD_GROUP.name,
            ...FIELD_TYPES[spec.type],
          },
        });
        created.push({ object, name: spec.name });
      } catch (error) {
        // A 409 means another run created it meanwhile: it exists, which is all we wanted.
        if (isConnectorError(error) && error.options.status === 409)
          existing.push({ object, name: spec.name });
        else if (isConnectorError(error) && error.kind === 'invalid_request')
          failed.push({ object, name: spec.name, reason: error.message });
        else throw error;
      }
    }
  }
  const notes = [
    ...(specs.some((s) => s.object === 'rep')
      ? ['Rep values are written to HubSpot user records (the users object), matched by user id.']
      : []),
    ...(opts.dryRun && created.length > 0
      ? ['Dry run: the listed fields would be created; nothing was changed.']
      : []),
  ];
  return { created, existing, failed, notes, calls };
}

/** users-object record id per HubSpot user id (`hs_internal_user_id`), read once per connector. */
export async function loadUserRecords(api: HubspotApi): Promise<ReadonlyMap<string, string>> {
  const byUser = new Map<string, string>();
  let after: string | null = null;
  do {
    const response: z.infer<typeof listPageSchema> = await api.call('list', listPageSchema, {
      object: 'users',
      query: {
        limit: String(ENDPOINTS.list.pageSize),
        properties: ['hs_internal_user_id'],
        ...cursorField(ENDPOINTS.list.cursor, after),
      },
    });
    after = response.paging;
    for (const record of parseRecords(response.results, objectSchema).ok) {
      const userId = record.properties['hs_internal_user_id'];
      if (userId) byUser.set(userId, record.id);
    }
  } while (after !== null);
  return byUser;
}

function wireValue(value: string | number | null): string {
  // HubSpot clears a property with an empty string; numbers go as plain decimal strings.
  return value === null ? '' : String(value);
}

/** Names of properties HubSpot says do not exist, from its VALIDATION_ERROR message. */
function missingProperties(error: ConnectorError): string[] {
  const message = z.object({ message: z.string() }).safeParse(error.cause).data?.message ?? '';
  const json = message.slice(message.indexOf('['));
  try {
    const problems = z
      .array(z.object({ name: z.string(), error: z.string() }))
      .parse(JSON.parse(json) as unknown);
    return problems.filter((p) => p.error === 'PROPERTY_DOESNT_EXIST').map((p) => p.name);
  } catch {
    return [];
  }
}

/**
 * One batch update (≤ 100 records, one API call once the user records are known). Ids are
 * reconciled against the inputs: a merged deal answers under its survivor's id, matched back by
 * the values written; an id HubSpot reports missing, or one absent from the results, is not written.
 */
export async function writeHubspotBatch(
  api: HubspotApi,
  target: WriteTarget,
  writes: readonly FieldWrite[],
  userRecords: () => Promise<ReadonlyMap<string, string>>,
): Promise<readonly WriteResult[]> {
  if (writes.length > ENDPOINTS.batchUpdate.pageSize) {
    throw new ConnectorError(
      'invalid_request',
      `HubSpot batch updates take at most 100 records, got ${writes.length}.`,
    );
  }
  const users = target === 'rep' ? await userRecords() : null;
  const results = new Map<string, WriteResult>();
  const inputs: { recordId: string; hubspotId: string; properties: Record<string, string> }[] = [];
  for (const write of writes) {
    const hubspotId = users ? users.get(write.recordId) : write.recordId;
    if (hubspotId === undefined) {
      results.set(write.recordId, {
        recordId: write.recordId,
        ok: false,
        reason: `HubSpot has no user record for user ${write.recordId}`,
      });
      continue;
    }
    const properties =
      target === 'lead'
        ? { [LEAD_OWNER_PROPERTY]: wireValue(write.values['owner'] ?? null) }
        : Object.fromEntries(Object.entries(write.values).map(([k, v]) => [k, wireValue(v)]));
    inputs.push({ recordId: write.recordId, hubspotId, properties });
  }
  if (inputs.length > 0) {
    try {
      const response = await api.call('batchUpdate', batchReadSchema, {
        object: FIELD_OBJECTS[target],
        body: { inputs: inputs.map((i) => ({ id: i.hubspotId, properties: i.properties })) },
      });
      reconcile(inputs, response, results);
    } catch (error) {
      const missing = isConnectorError(error) && error.options.status === 400 ? missingProperties(error) : [];
      if (missing.length === 0) throw error;
      for (const input of inputs) {
        const field = missing.find((name) => name in input.properties) ?? missing[0]!;
        results.set(input.recordId, {
          recordId: input.recordId,
          ok: false,
          code: 'field_missing',
          field,
          reason: `HubSpot has no property "${field}" on ${FIELD_OBJECTS[target]}`,
        } as WriteResult);
      }
    }
  }
  return writes.map(
    (w) => results.get(w.recordId) ?? { recordId: w.recordId, ok: false, reason: 'not written' },
  );
}

function reconcile(
  inputs: readonly { recordId: string; hubspotId: string; properties: Record<string, string> }[],
  response: z.infer<typeof batchReadSchema>,
  results: Map<string, WriteResult>,
): void {
  const returned = parseRecords(response.results, objectSchema).ok;
  const byId = new Map(returned.map((r) => [r.id, r]));
  const notFound = new Set(
    (response.errors ?? []).flatMap((e) => {
      const ids = e.context?.['ids'];
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
    }),
  );
  const unclaimed = new Set(
    returned.map((r) => r.id).filter((id) => !inputs.some((i) => i.hubspotId === id)),
  );
  for (const input of inputs) {
    if (byId.has(input.hubspotId)) {
      results.set(input.recordId, { recordId: input.recordId, ok: true });
    } else if (notFound.has(input.hubspotId)) {
      results.set(input.recordId, {
        recordId: input.recordId,
        ok: false,
        reason: 'HubSpot has no such record (deleted?)',
      });
    } else {
      const match = [...unclaimed].filter((id) =>
        Object.entries(input.properties).every(([k, v]) => (byId.get(id)?.properties[k] ?? '') === v),
      );
      if (match.length === 1) {
        unclaimed.delete(match[0]!);
        results.set(input.recordId, { recordId: input.recordId, ok: true, resolvedId: match[0]! });
      }
    }
  }
}
