/**
 * `POST /crm/v3/objects/{type}/search`: filter groups, one sort, offset paging by `after`, at
 * most 200 per page and never past the 10,000th result; archived records are not indexed.
 */
import { type HttpError, searchCapExceeded, validationError } from '../hubspot-errors.js';
import type { Portal } from '../portal.js';
import { ALWAYS_INCLUDED, DEFAULT_PROPERTIES } from '../property-catalog.js';
import { type ObjectType, projectRecord } from '../sandbox-record.js';
import { compileSearch, type ValueKind } from '../search-filter.js';
import { fromError, isHttpError, type RouteRequest, type RouteResponse, stringList } from './route-types.js';

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_RESULT_CAP = 10_000;

interface CachedResult {
  readonly version: number;
  readonly ids: readonly string[];
}

/**
 * Matching ids per distinct query, so paging through 10,000 results scans the portal once, not
 * once per page. A store change bumps its version and makes the entry stale.
 */
export class SearchCache {
  private readonly entries = new Map<string, CachedResult>();

  constructor(private readonly maxEntries = 16) {}

  ids(portal: Portal, object: ObjectType, body: Record<string, unknown>): readonly string[] | HttpError {
    const store = portal.stores[object];
    const cacheKey = `${object}\u0000${JSON.stringify([body['filterGroups'] ?? [], body['sorts'] ?? [], body['query'] ?? ''])}`;
    const cached = this.entries.get(cacheKey);
    if (cached && cached.version === store.version) return cached.ids;
    const kindOf = (name: string): ValueKind => {
      const type = portal.catalog.get(object, name)?.type;
      return type === 'number' ? 'number' : type === 'datetime' || type === 'date' ? 'datetime' : 'text';
    };
    const compiled = compileSearch(body, kindOf);
    if (isHttpError(compiled)) return compiled;
    const query = typeof body['query'] === 'string' ? body['query'].toLowerCase() : '';
    const textProps = DEFAULT_PROPERTIES[object];
    const matched = [];
    for (const { record } of store.scan(0, false)) {
      if (!compiled.matches(record)) continue;
      if (query && !textProps.some((p) => (record.properties[p] ?? '').toLowerCase().includes(query)))
        continue;
      matched.push(record);
    }
    matched.sort(compiled.compare);
    const ids = matched.map((r) => r.id);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(cacheKey, { version: store.version, ids });
    return ids;
  }
}

export function searchObjects(req: RouteRequest, object: ObjectType, cache: SearchCache): RouteResponse {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const limit = body['limit'] === undefined ? 10 : Number(body['limit']);
  if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_MAX_LIMIT) {
    return fromError(
      validationError(`limit must be between 0 and ${SEARCH_MAX_LIMIT}, got ${String(body['limit'])}`),
    );
  }
  const offset =
    body['after'] === undefined || body['after'] === null || body['after'] === '' ? 0 : Number(body['after']);
  if (!Number.isInteger(offset) || offset < 0)
    return fromError(validationError(`Invalid after: ${String(body['after'])}`));
  if (offset >= SEARCH_RESULT_CAP) return fromError(searchCapExceeded());
  const ids = cache.ids(req.portal, object, body);
  if (isHttpError(ids)) return fromError(ids);
  const requested = stringList(body['properties']);
  const options = {
    properties: requested.length > 0 ? requested : DEFAULT_PROPERTIES[object],
    propertiesWithHistory: [],
    alwaysIncluded: ALWAYS_INCLUDED[object],
  };
  const store = req.portal.stores[object];
  const exists = (name: string): boolean => req.portal.catalog.has(object, name);
  const results = [];
  for (const id of ids.slice(offset, offset + limit)) {
    const record = store.get(id);
    if (record) results.push(projectRecord(record, options, exists));
  }
  const response: Record<string, unknown> = { total: ids.length, results };
  if (offset + limit < ids.length && limit > 0)
    response['paging'] = { next: { after: String(offset + limit) } };
  return { status: 200, body: response };
}
