/** `GET /crm/v3/objects/{type}` (list, paged by an opaque `after`) and `GET .../{type}/{id}`. */
import { notFound, validationError } from '../hubspot-errors.js';
import { ALWAYS_INCLUDED, DEFAULT_PROPERTIES } from '../property-catalog.js';
import { type ObjectType, type ProjectOptions, type PublicObject, projectRecord } from '../sandbox-record.js';
import { parseLimit } from './account-routes.js';
import {
  decodeAfter,
  encodeAfter,
  fromError,
  listParam,
  type RouteRequest,
  type RouteResponse,
} from './route-types.js';

export const LIST_MAX_LIMIT = 100;
/** HubSpot serves at most 50 records per page when history is requested. */
export const HISTORY_MAX_LIMIT = 50;

export function projection(
  object: ObjectType,
  properties: readonly string[],
  propertiesWithHistory: readonly string[],
): ProjectOptions {
  return {
    properties: properties.length > 0 ? properties : DEFAULT_PROPERTIES[object],
    propertiesWithHistory,
    alwaysIncluded: properties.length > 0 ? ALWAYS_INCLUDED[object] : [],
  };
}

export function listObjects(req: RouteRequest, object: ObjectType): RouteResponse {
  const params = req.url.searchParams;
  const properties = listParam(req.url, 'properties');
  const withHistory = listParam(req.url, 'propertiesWithHistory');
  const limit = parseLimit(
    params.get('limit'),
    10,
    withHistory.length > 0 ? HISTORY_MAX_LIMIT : LIST_MAX_LIMIT,
  );
  if (limit === null) return fromError(validationError(`Invalid limit: ${params.get('limit')}`));
  const archived = params.get('archived') === 'true';
  const store = req.portal.stores[object];
  let fromIndex = 0;
  const after = params.get('after');
  if (after !== null) {
    const id = decodeAfter(after);
    if (id === null) return fromError(validationError(`Invalid after: ${after}`));
    const index = store.indexOf(id);
    fromIndex = index >= 0 ? index : store.count;
  }
  const options = projection(object, properties, withHistory);
  const exists = (name: string): boolean => req.portal.catalog.has(object, name);
  const results: PublicObject[] = [];
  let nextId: string | null = null;
  for (const { record } of store.scan(fromIndex, archived)) {
    if (results.length === limit) {
      nextId = record.id;
      break;
    }
    results.push(projectRecord(record, options, exists));
  }
  const body: Record<string, unknown> = { results };
  if (nextId !== null) {
    const encoded = encodeAfter(nextId);
    const link = new URL(`${req.baseUrl}${req.url.pathname}`);
    for (const [k, v] of params) if (k !== 'after') link.searchParams.append(k, v);
    link.searchParams.set('after', encoded);
    body['paging'] = { next: { after: encoded, link: link.toString() } };
  }
  return { status: 200, body };
}

/** A merged-away id answers with the surviving record, as HubSpot does. */
export function getObject(req: RouteRequest, object: ObjectType, id: string): RouteResponse {
  const store = req.portal.stores[object];
  const archived = req.url.searchParams.get('archived') === 'true';
  const resolved = store.resolve(id);
  const record = resolved === null ? null : store.get(resolved);
  if (!record || (record.archivedAt !== null) !== archived) return fromError(notFound());
  const options = projection(
    object,
    listParam(req.url, 'properties'),
    listParam(req.url, 'propertiesWithHistory'),
  );
  return { status: 200, body: projectRecord(record, options, (n) => req.portal.catalog.has(object, n)) };
}
