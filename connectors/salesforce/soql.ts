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

export function byParentIds(
  object: string,
  fields: readonly string[],
  parent: string,
  ids: readonly string[],
  extra?: string,
): string {
  const where = `${parent} IN ${idList(ids)}${extra ? ` AND ${extra}` : ''}`;
  return `SELECT ${fields.join(', ')} FROM ${object} WHERE ${where} ORDER BY ${parent}, CreatedDate, Id`;
}

export function quotaQuery(fields: readonly string[], range: Period): string {
  return `SELECT ${fields.join(', ')} FROM ForecastingQuota WHERE StartDate >= ${range.start} AND StartDate <= ${range.end} ORDER BY StartDate, Id`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
