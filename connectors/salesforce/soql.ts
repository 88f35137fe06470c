/**
 * SOQL text for every read the connector makes. Pure functions of the spec and the checkpoint,
 * so the exact queries are unit-testable and visible in one place.
 */
import type { Period } from '../connector.js';
import type { IncrementalStreamSpec } from './spec.js';

/** A string literal: SOQL escapes quote and backslash with a backslash. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A datetime literal, always UTC. */
export function datetime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** Ids come from Salesforce itself; anything else is refused rather than quoted into a query. */
export function idList(ids: readonly string[]): string {
  for (const id of ids) if (!/^[A-Za-z0-9]{15,18}$/.test(id)) throw new Error(`not a Salesforce id: ${id}`);
  return `(${ids.map((id) => `'${id}'`).join(', ')})`;
}

export interface Keyset {
  /** Epoch ms of the last SystemModstamp saved. */
  readonly ts: number;
  readonly id: string;
}

/**
 * An incremental read through queryAll. From a checkpoint it reads what follows the keyset
 * `(SystemModstamp, Id) > (ts, id)` and re-reads the lookback window `[ts − lookback, ts]`, so a
 * late commit is caught. The window includes the checkpoint's own second: SystemModstamp has
 * whole seconds, so a row edited in that second after we read it (our own push-back's re-read
 * ends on such a second) keeps the checkpoint's timestamp, and an Id below the checkpoint's
 * would be skipped for good. Without a lookback the keyset alone resumes a bulk edit that
 * shares one timestamp mid-way.
 */
export function incrementalQuery(
  spec: IncrementalStreamSpec,
  fields: readonly string[],
  since: Keyset | null,
  lookbackMs: number,
): string {
  const c = spec.cursor;
  const select = `SELECT ${fields.join(', ')} FROM ${spec.object}`;
  const order = ` ORDER BY ${c}, Id`;
  if (since === null) return select + order;
  const ts = datetime(since.ts);
  const after = `${c} > ${ts} OR (${c} = ${ts} AND Id > '${since.id}')`;
  const where =
    lookbackMs > 0 ? `(${c} >= ${datetime(since.ts - lookbackMs)} AND ${c} <= ${ts}) OR ${after}` : after;
  return `${select} WHERE ${where}${order}`;
}

export function selectAll(object: string, fields: readonly string[], where?: string): string {
  return `SELECT ${fields.join(', ')} FROM ${object}${where ? ` WHERE ${where}` : ''}`;
}

function byParentText(
  object: string,
  fields: readonly string[],
  parent: string,
  list: string,
  extra?: string,
) {
  const where = `${parent} IN ${list}${extra ? ` AND ${extra}` : ''}`;
  return `SELECT ${fields.join(', ')} FROM ${object} WHERE ${where} ORDER BY ${parent}, CreatedDate, Id`;
}

/** The request target jsforce sends a query as, before the encoded SOQL. */
export const queryUriPrefix = (version: string, all = false) =>
  `/services/data/v${version}/${all ? 'queryAll' : 'query'}?q=`;

export interface UriBudget {
  /** Bytes the request target (path and encoded query string) may take. */
  readonly uriBytes: number;
  readonly maxSoqlChars: number;
  readonly version: string;
}

/**
 * A history query by parent ids, split into as few queries as the URI allows: ids are packed
 * greedily while the encoded request target stays within `uriBytes` and the SOQL within
 * `maxSoqlChars`.
 * Ids go in their 15-character form with bare commas between them: 22 bytes each on the wire,
 * where `'<18 chars>', ` through encodeURIComponent cost 30 (500 of those made a 15,290-byte URI).
 */
export function byParentQueries(
  object: string,
  fields: readonly string[],
  parent: string,
  ids: readonly string[],
  budget: UriBudget,
  extra?: string,
): string[] {
  const marker = '(ID_LIST)';
  const [head, tail] = byParentText(object, fields, parent, marker, extra).split(marker) as [string, string];
  const open = `${head}(`;
  const close = `)${tail}`;
  const fixedBytes = queryUriPrefix(budget.version).length + uriBytes(open) + uriBytes(close);
  const fixedChars = open.length + close.length;
  const comma = uriBytes(',');
  const out: string[] = [];
  let items: string[] = [];
  let bytes = fixedBytes;
  let chars = fixedChars;
  for (const id of ids) {
    const item = `'${shortId(id)}'`;
    const sep = items.length > 0 ? 1 : 0;
    const fits =
      bytes + sep * comma + uriBytes(item) <= budget.uriBytes &&
      chars + sep + item.length <= budget.maxSoqlChars;
    if (!fits && items.length === 0)
      throw new Error(`a ${object} query does not fit a URI of ${budget.uriBytes} bytes`);
    if (!fits) {
      out.push(`${open}${items.join(',')}${close}`);
      items = [];
      bytes = fixedBytes;
      chars = fixedChars;
    }
    const joined = items.length > 0 ? 1 : 0;
    items.push(item);
    bytes += joined * comma + uriBytes(item);
    chars += joined + item.length;
  }
  if (items.length > 0) out.push(`${open}${items.join(',')}${close}`);
  return out;
}

/**
 * A query-string value as we send it: percent-encoded like jsforce does, except commas, which
 * RFC 3986 allows raw in a query and which an IN list has one of per id.
 */
export const encodeQueryValue = (text: string) => encodeURIComponent(text).replace(/%2C/g, ',');

/**
 * Bytes of a query-string value on the wire: fetch's URL parser also encodes the apostrophes
 * encodeURIComponent leaves (WHATWG special-query set), so a quoted id costs 6 bytes of quotes.
 */
export const uriBytes = (text: string) => encodeQueryValue(text).replace(/'/g, '%27').length;

/** The 15-character form of an id (the 18-character one only adds a case-safe checksum). */
function shortId(id: string): string {
  if (!/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/.test(id)) throw new Error(`not a Salesforce id: ${id}`);
  return id.slice(0, 15);
}

export function quotaQuery(fields: readonly string[], range: Period): string {
  return `SELECT ${fields.join(', ')} FROM ForecastingQuota WHERE StartDate >= ${range.start} AND StartDate <= ${range.end} ORDER BY StartDate, Id`;
}
