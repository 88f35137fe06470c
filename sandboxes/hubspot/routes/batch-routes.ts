/**
 * `POST /crm/v3/objects/{type}/batch/read` and `/batch/update`: at most 100 inputs; unknown ids
 * come back as a 207 with `errors[]`; merged ids resolve to the survivor (so the input id is
 * absent from the results); a write naming an unknown or read-only property fails the batch.
 */
import { type PropertyProblem, propertyValuesInvalid, validationError } from '../hubspot-errors.js';
import { type ObjectType, type PublicObject, projectRecord } from '../sandbox-record.js';
import { projection } from './object-routes.js';
import { fromError, type RouteRequest, type RouteResponse, stringList } from './route-types.js';

export const BATCH_MAX_INPUTS = 100;

const OBJECT_LABEL: Readonly<Record<ObjectType, string>> = {
  deals: 'DEAL',
  contacts: 'CONTACT',
  users: 'USER',
  goal_targets: 'GOAL_TARGET',
};

function inputsOf(body: unknown): Record<string, unknown>[] | RouteResponse {
  const inputs = (body as Record<string, unknown> | null)?.['inputs'];
  if (!Array.isArray(inputs)) return fromError(validationError('Invalid input JSON: inputs is required'));
  if (inputs.length > BATCH_MAX_INPUTS) {
    return fromError(
      validationError(`Too many inputs: ${inputs.length}. The maximum is ${BATCH_MAX_INPUTS}.`),
    );
  }
  for (const input of inputs) {
    if (
      typeof input !== 'object' ||
      input === null ||
      typeof (input as Record<string, unknown>)['id'] !== 'string'
    ) {
      return fromError(validationError('Invalid input JSON: every input needs a string id'));
    }
  }
  return inputs as Record<string, unknown>[];
}

function batchBody(
  req: RouteRequest,
  object: ObjectType,
  results: PublicObject[],
  missing: string[],
  startedAt: number,
): RouteResponse {
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt: new Date(startedAt).toISOString(),
    completedAt: new Date(req.now).toISOString(),
  };
  if (missing.length === 0) return { status: 200, body };
  body['numErrors'] = 1;
  body['errors'] = [
    {
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      message: `Could not get some ${OBJECT_LABEL[object]} objects, they may be deleted or not exist. Check that ids are valid.`,
      context: { ids: missing },
      links: {},
      errors: [],
    },
  ];
  return { status: 207, body };
}

export function batchRead(req: RouteRequest, object: ObjectType): RouteResponse {
  const inputs = inputsOf(req.body);
  if (!Array.isArray(inputs)) return inputs;
  const body = req.body as Record<string, unknown>;
  const archived = req.url.searchParams.get('archived') === 'true';
  const store = req.portal.stores[object];
  const options = projection(
    object,
    stringList(body['properties']),
    stringList(body['propertiesWithHistory']),
  );
  const exists = (name: string): boolean => req.portal.catalog.has(object, name);
  const results: PublicObject[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  for (const input of inputs) {
    const id = input['id'] as string;
    const resolved = store.resolve(id);
    const record = resolved === null ? null : store.get(resolved);
    if (!record || (record.archivedAt !== null) !== archived) {
      missing.push(id);
      continue;
    }
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    results.push(projectRecord(record, options, exists));
  }
  return batchBody(req, object, results, missing, req.now);
}

/**
 * HubSpot's owner properties take an OWNER id (the owners API's `id`); a user id (`userId`) or
 * any other number is refused as INVALID_OWNER_ID, failing the whole batch like every invalid
 * value (developers.hubspot.com, CRM owners guide: a userId "will result in an error if it is
 * used to assign ownership"). An empty value clears the owner.
 */
function invalidOwner(req: RouteRequest, name: string, value: string): PropertyProblem | null {
  if (name !== 'hubspot_owner_id' || value === '') return null;
  if (req.portal.owners.some((o) => o.id === value && o.archivedAt === null)) return null;
  return { name, error: 'INVALID_OWNER_ID', message: `${value} is not a valid owner id` };
}

export function batchUpdate(req: RouteRequest, object: ObjectType): RouteResponse {
  const inputs = inputsOf(req.body);
  if (!Array.isArray(inputs)) return inputs;
  const ids = inputs.map((i) => i['id'] as string);
  const duplicates = [...new Set(ids.filter((id, k) => ids.indexOf(id) !== k))];
  if (duplicates.length > 0) {
    return fromError(
      validationError(`Duplicate IDs found in batch input: [${duplicates.join(', ')}]. IDs must be unique`),
    );
  }
  const problems: PropertyProblem[] = [];
  const writes: Record<string, string | null>[] = [];
  for (const input of inputs) {
    const raw = input['properties'];
    if (typeof raw !== 'object' || raw === null || Object.keys(raw).length === 0) {
      return fromError(validationError('No properties found to update, please provide at least one.'));
    }
    const props: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      const definition = req.portal.catalog.get(object, name);
      if (!definition) {
        problems.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      } else if (definition.readOnlyValue) {
        problems.push({
          name,
          error: 'READ_ONLY_VALUE',
          message: `"${name}" is a read only property; its value cannot be set.`,
        });
      }
      props[name] = value === null || value === undefined ? '' : String(value);
      const ownerProblem = definition ? invalidOwner(req, name, props[name] ?? '') : null;
      if (ownerProblem) problems.push(ownerProblem);
    }
    writes.push(props);
  }
  if (problems.length > 0) return fromError(propertyValuesInvalid(problems, req.portal.account.portalId));
  const store = req.portal.stores[object];
  const exists = (name: string): boolean => req.portal.catalog.has(object, name);
  const results: PublicObject[] = [];
  const missing: string[] = [];
  inputs.forEach((input, k) => {
    const id = input['id'] as string;
    const resolved = store.resolve(id);
    const current = resolved === null ? null : store.get(resolved);
    if (!current || current.archivedAt !== null) {
      missing.push(id);
      return;
    }
    const props = writes[k]!;
    const updated = req.portal.applyEdit(object, current.id, props, req.now, 'API');
    store.recordWrite(current.id, props);
    if (updated) results.push(projectRecord(updated, projection(object, Object.keys(props), []), exists));
  });
  return batchBody(req, object, results, missing, req.now);
}
