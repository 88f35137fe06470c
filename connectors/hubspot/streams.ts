/**
 * The incremental object streams (deals, contacts): a first sync pages the list endpoint; later
 * syncs search a modified-date window fixed at run start, sorted by id, restarting the query
 * past the 10,000-result cap with `hs_object_id > last`; then the archived list marks deletes.
 *
 * Checkpoint (JSON, saved with each page):
 *   { v: 1, phase: 'list',     until, after }          first sync, list cursor
 *   { v: 1, phase: 'search',   since, until, lastId }  incremental window [since − lookback, until]
 *   { v: 1, phase: 'archived', since, until, after }   archived-list cursor after the search
 *   { v: 1, phase: 'idle',     until }                 done; the next run searches from `until`
 * `until` is the run-start watermark (epoch ms); a resumed run keeps its window, so a run killed
 * anywhere resumes without gaps, and the lookback re-reads what the search index had not seen.
 */
import type { Checkpoint, Page, PageHistory, RejectedRecord } from '../connector.js';
import type { HubspotApi } from './api.js';
import type { Mapped } from './map.js';
import {
  type ListPage,
  listPageSchema,
  type ObjectWire,
  objectSchema,
  parseRecords,
  resultsSchema,
  searchPageSchema,
} from './schemas.js';
import {
  cursorField,
  ENDPOINTS,
  type IncrementalStreamSpec,
  LOOKBACK_MS,
  MAX_GET_TARGET_CHARS,
  SEARCH_RESULT_CAP,
} from './spec.js';

export type StreamCheckpoint =
  | { readonly v: 1; readonly phase: 'list'; readonly until: number; readonly after: string | null }
  | {
      readonly v: 1;
      readonly phase: 'search';
      readonly since: number;
      readonly until: number;
      readonly lastId: string | null;
    }
  | {
      readonly v: 1;
      readonly phase: 'archived';
      readonly since: number;
      readonly until: number;
      readonly after: string | null;
    }
  | { readonly v: 1; readonly phase: 'idle'; readonly until: number };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** An unreadable or foreign checkpoint means "start over" (a full read), never a crash. */
export function parseCheckpoint(raw: Checkpoint | null): StreamCheckpoint | null {
  if (raw === null || raw['v'] !== 1) return null;
  const until = num(raw['until']);
  const since = num(raw['since']);
  if (until === null) return null;
  switch (raw['phase']) {
    case 'list':
      return { v: 1, phase: 'list', until, after: str(raw['after']) };
    case 'search':
      return since === null ? null : { v: 1, phase: 'search', since, until, lastId: str(raw['lastId']) };
    case 'archived':
      return since === null ? null : { v: 1, phase: 'archived', since, until, after: str(raw['after']) };
    case 'idle':
      return { v: 1, phase: 'idle', until };
    default:
      return null;
  }
}

export interface StreamContext<T, C = never> {
  readonly api: HubspotApi;
  readonly spec: IncrementalStreamSpec;
  readonly now: () => number;
  readonly map: (wire: ObjectWire) => Mapped<T>;
  /** The properties read (default `spec.properties`), e.g. with the stage calculated ones. */
  readonly properties?: readonly string[];
  /** A record's history from its own properties, or null where only a history read can tell. */
  readonly history?: (wire: ObjectWire) => readonly C[] | null;
}

export type StreamPage<T, C> = Page<T> & { readonly history?: PageHistory<C> };

function pageOf<T, C>(
  ctx: StreamContext<T, C>,
  items: readonly unknown[],
  checkpoint: StreamCheckpoint,
): StreamPage<T, C> {
  const { ok, bad } = parseRecords(items, objectSchema);
  const records: T[] = [];
  const rejected: RejectedRecord[] = [...bad];
  const answered: string[] = [];
  const changes: C[] = [];
  for (const wire of ok) {
    const mapped = ctx.map(wire);
    if (!mapped.ok) {
      rejected.push(mapped.rejected);
      continue;
    }
    records.push(mapped.value);
    const known = ctx.history?.(wire) ?? null;
    if (known !== null) {
      answered.push(wire.id);
      changes.push(...known);
    }
  }
  const page = { records, rejected, deletedIds: [], checkpoint };
  return ctx.history === undefined ? page : { ...page, history: { answered, changes } };
}

const propertiesOf = <T, C>(ctx: StreamContext<T, C>) => ctx.properties ?? ctx.spec.properties;

/**
 * Whether a list page's request target fits MAX_GET_TARGET_CHARS with its properties (a
 * portal with many pipelines asks for two calculated properties per stage). The cursor is
 * counted at a generous 100 characters.
 */
export function listFits<T, C>(ctx: StreamContext<T, C>): boolean {
  const path = ENDPOINTS.list.path.replace('{object}', ctx.spec.object);
  const query = new URLSearchParams({
    limit: String(ENDPOINTS.list.pageSize),
    properties: propertiesOf(ctx).join(','),
    [ENDPOINTS.list.cursor.request]: 'x'.repeat(100),
  });
  return path.length + 1 + query.toString().length <= MAX_GET_TARGET_CHARS;
}

export async function* incrementalStream<T, C = never>(
  ctx: StreamContext<T, C>,
  since: Checkpoint | null,
): AsyncIterable<StreamPage<T, C>> {
  const saved = parseCheckpoint(since);
  let state: StreamCheckpoint =
    saved === null
      ? { v: 1, phase: 'list', until: ctx.now(), after: null }
      : saved.phase === 'idle'
        ? { v: 1, phase: 'search', since: saved.until, until: ctx.now(), lastId: null }
        : saved;
  if (state.phase === 'list' && !listFits(ctx)) {
    // The properties do not fit a GET: the first sync searches everything modified since the
    // epoch instead (200 per page, properties in the POST body, restarted past the result cap).
    // A list cursor cannot be carried over, so a resumed list starts again (saving is idempotent).
    state = { v: 1, phase: 'search', since: LOOKBACK_MS, until: state.until, lastId: null };
  }

  if (state.phase === 'list') {
    // The first sync: the list endpoint has no result cap. Archived records are skipped (there is
    // nothing in the warehouse to mark yet; `--full` re-syncs reconcile ids instead).
    const until = state.until;
    for await (const response of prefetched(state.after, (after) => listPage(ctx, after, false))) {
      const next: StreamCheckpoint =
        response.paging === null
          ? { v: 1, phase: 'idle', until }
          : { v: 1, phase: 'list', until, after: response.paging };
      yield pageOf(ctx, response.results, next);
    }
    return;
  }

  if (state.phase === 'search') {
    const { since: from, until } = state;
    let lastId = state.lastId;
    // The id the current query starts after; it only moves when a query is restarted.
    let queryAfterId = lastId;
    let offset = 0;
    const search = () => searchPage(ctx, from, until, queryAfterId, offset);
    let pending = search();
    for (;;) {
      const response = await pending;
      const pageLast = (response.results.at(-1) as { id?: unknown } | undefined)?.id;
      if (typeof pageLast === 'string') lastId = pageLast;
      const more = response.paging !== null && response.results.length > 0;
      if (more) {
        offset += response.results.length;
        // Offsets stop at 10,000: start a new query after the last id instead of paging on.
        if (offset + ENDPOINTS.search.pageSize > SEARCH_RESULT_CAP) {
          offset = 0;
          queryAfterId = lastId;
        }
        pending = quiet(search());
      }
      yield pageOf(ctx, response.results, { v: 1, phase: 'search', since: from, until, lastId });
      if (!more) break;
    }
    state = { v: 1, phase: 'archived', since: from, until, after: null };
  }

  // Archived records are not searchable; the recycle bin (90 days) is listed instead.
  const { since: from, until } = state;
  for await (const response of prefetched(state.after, (after) => listPage(ctx, after, true))) {
    const { ok } = parseRecords(response.results, objectSchema);
    const next: StreamCheckpoint =
      response.paging === null
        ? { v: 1, phase: 'idle', until }
        : { v: 1, phase: 'archived', since: from, until, after: response.paging };
    yield { records: [], rejected: [], deletedIds: ok.map((r) => r.id), checkpoint: next };
  }
}

/** A prefetched request may fail before it is awaited; the failure surfaces when it is. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Cursor pages with the next request in flight while the caller handles the current page (the
 * pull stage's transaction overlaps HubSpot's latency). Only one request is ever ahead.
 */
async function* prefetched(
  first: string | null,
  fetchPage: (after: string | null) => Promise<ListPage>,
): AsyncIterable<ListPage> {
  let pending = fetchPage(first);
  for (;;) {
    const response = await pending;
    if (response.paging !== null) pending = quiet(fetchPage(response.paging));
    yield response;
    if (response.paging === null) return;
  }
}

function listPage<T, C>(
  ctx: StreamContext<T, C>,
  after: string | null,
  archived: boolean,
): Promise<ListPage> {
  return ctx.api.call('list', listPageSchema, {
    object: ctx.spec.object,
    query: {
      limit: String(ENDPOINTS.list.pageSize),
      properties: archived ? ['hs_object_id'] : propertiesOf(ctx),
      ...(archived && { archived: 'true' }),
      ...cursorField(ENDPOINTS.list.cursor, after),
    },
  });
}

function searchPage<T, C>(
  ctx: StreamContext<T, C>,
  from: number,
  until: number,
  afterId: string | null,
  offset: number,
) {
  const filters = [
    { propertyName: ctx.spec.modifiedProperty, operator: 'GTE', value: String(from - LOOKBACK_MS) },
    { propertyName: ctx.spec.modifiedProperty, operator: 'LTE', value: String(until) },
    ...(afterId === null ? [] : [{ propertyName: 'hs_object_id', operator: 'GT', value: afterId }]),
  ];
  return ctx.api.call('search', searchPageSchema, {
    object: ctx.spec.object,
    body: {
      filterGroups: [{ filters }],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: propertiesOf(ctx),
      limit: ENDPOINTS.search.pageSize,
      // Search's cursor is its offset, counted here: a restarted query starts again from 0.
      ...(offset > 0 && cursorField(ENDPOINTS.search.cursor, String(offset))),
    },
  });
}

/** Every live id of an object, a page at a time, for hard-delete reconciliation. */
export async function* listIds(api: HubspotApi, object: string): AsyncIterable<readonly string[]> {
  let after: string | null = null;
  do {
    const response: ListPage = await api.call('list', listPageSchema, {
      object,
      query: {
        limit: String(ENDPOINTS.list.pageSize),
        properties: ['hs_object_id'],
        ...cursorField(ENDPOINTS.list.cursor, after),
      },
    });
    after = response.paging;
    yield parseRecords(response.results, objectSchema).ok.map((r) => r.id);
  } while (after !== null);
}

/** Property history of ids, 50 per batch read (HubSpot's cap when history is requested). */
export async function* readHistory(
  api: HubspotApi,
  object: string,
  properties: readonly string[],
  ids: readonly string[],
): AsyncIterable<ObjectWire> {
  const size = ENDPOINTS.history.pageSize;
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += size) {
    const response = await api.call('history', resultsSchema, {
      object,
      body: {
        inputs: unique.slice(i, i + size).map((id) => ({ id })),
        properties: ['hs_object_id'],
        propertiesWithHistory: properties,
      },
    });
    yield* parseRecords(response.results, objectSchema).ok;
  }
}
