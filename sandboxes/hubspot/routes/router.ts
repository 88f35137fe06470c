/** Maps a method and path to its handler; classifies requests as search and/or mutating. */
import { notFound } from '../hubspot-errors.js';
import { parseObjectType } from '../sandbox-record.js';
import { accountDetails, getOwner, listOwners, listPipelines } from './account-routes.js';
import { batchRead, batchUpdate } from './batch-routes.js';
import { getObject, listObjects } from './object-routes.js';
import {
  archiveProperty,
  createGroup,
  createProperty,
  getProperty,
  listGroups,
  listProperties,
} from './property-routes.js';
import { fromError, type RouteRequest, type RouteResponse } from './route-types.js';
import { type SearchCache, searchObjects } from './search-routes.js';

export interface RequestKind {
  readonly search: boolean;
  readonly mutating: boolean;
}

export function classify(method: string, segments: readonly string[]): RequestKind {
  const last = segments[segments.length - 1];
  const search = method === 'POST' && segments[1] === 'v3' && segments[2] === 'objects' && last === 'search';
  const oauth = segments[0] === 'oauth';
  const read = method === 'GET' || search || oauth || (method === 'POST' && last === 'read');
  return { search, mutating: !read };
}

export function route(req: RouteRequest, cache: SearchCache): RouteResponse {
  const [root, version, family, a, b, c] = req.segments;
  const m = req.method;
  const missing = (): RouteResponse => fromError(notFound(`No route for ${m} /${req.segments.join('/')}`));
  if (root === 'account-info' && version === 'v3' && family === 'details' && m === 'GET')
    return accountDetails(req);
  if (root !== 'crm' || version !== 'v3') return missing();

  if (family === 'owners' && m === 'GET') return a === undefined ? listOwners(req) : getOwner(req, a);
  if (family === 'pipelines' && m === 'GET' && a !== undefined) return listPipelines(req, a, b);

  const object = a === undefined ? null : parseObjectType(a);
  if (object === null) return missing();
  if (family === 'objects') {
    if (b === undefined) return m === 'GET' ? listObjects(req, object) : missing();
    if (b === 'search' && m === 'POST') return searchObjects(req, object, cache);
    if (b === 'batch' && m === 'POST' && c === 'read') return batchRead(req, object);
    if (b === 'batch' && m === 'POST' && c === 'update') return batchUpdate(req, object);
    if (c === undefined && m === 'GET') return getObject(req, object, b);
    return missing();
  }
  if (family === 'properties') {
    if (b === undefined)
      return m === 'GET'
        ? listProperties(req, object)
        : m === 'POST'
          ? createProperty(req, object)
          : missing();
    if (b === 'groups' && c === undefined) {
      return m === 'GET' ? listGroups(req, object) : m === 'POST' ? createGroup(req, object) : missing();
    }
    if (c === undefined && m === 'GET') return getProperty(req, object, b);
    if (c === undefined && m === 'DELETE') return archiveProperty(req, object, b);
  }
  return missing();
}
