/** `/crm/v3/properties/{type}` (list, create, read, archive) and `/crm/v3/properties/{type}/groups`. */
import { notFound } from '../hubspot-errors.js';
import type { ObjectType } from '../sandbox-record.js';
import { fromError, isHttpError, type RouteRequest, type RouteResponse } from './route-types.js';

export function listProperties(req: RouteRequest, object: ObjectType): RouteResponse {
  const catalog = req.portal.catalog;
  // Archived properties are not kept by the sandbox, so `archived=true` lists none.
  const archived = req.url.searchParams.get('archived') === 'true';
  const results = archived ? [] : catalog.list(object).map((p) => catalog.toWire(p));
  return { status: 200, body: { results } };
}

export function getProperty(req: RouteRequest, object: ObjectType, name: string): RouteResponse {
  const definition = req.portal.catalog.get(object, name);
  return definition
    ? { status: 200, body: req.portal.catalog.toWire(definition) }
    : fromError(notFound(`Unable to find property ${name} for object type ${object}`));
}

export function createProperty(req: RouteRequest, object: ObjectType): RouteResponse {
  const created = req.portal.catalog.create(object, req.body, req.now);
  if (isHttpError(created)) return fromError(created);
  return { status: 201, body: req.portal.catalog.toWire(created) };
}

export function archiveProperty(req: RouteRequest, object: ObjectType, name: string): RouteResponse {
  const error = req.portal.catalog.delete(object, name);
  return error ? fromError(error) : { status: 204 };
}

export function listGroups(req: RouteRequest, object: ObjectType): RouteResponse {
  const catalog = req.portal.catalog;
  return { status: 200, body: { results: catalog.listGroups(object).map((g) => catalog.groupToWire(g)) } };
}

export function createGroup(req: RouteRequest, object: ObjectType): RouteResponse {
  const created = req.portal.catalog.createGroup(object, req.body);
  if (isHttpError(created)) return fromError(created);
  return { status: 201, body: req.portal.catalog.groupToWire(created) };
}
