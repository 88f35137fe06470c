import type { Transaction } from 'kysely';
import { DateTime } from 'luxon';
import type { z } from 'zod';
import type { RejectedRecord } from '../../connectors/connector.js';
import { addRunCounts } from '../warehouse/sync-runs.js';
import type { Database } from '../warehouse/tables.js';
import { reasonOf } from './record-schemas.js';

/**
 * The pull stage's rules for one page before the warehouse modules write it: validate, collapse
 * duplicate keys, read CRM dates in the connection's zone, and count the page into its run in
 * the page's own transaction.
 */
export type Trx = Transaction<Database>;

export interface PageCounts {
  readonly read: number;
  readonly changed: number;
  readonly deleted: number;
  readonly quarantined: number;
  /** Ids inserted or updated, whose history the caller may want. */
  readonly changedIds: readonly string[];
}

export interface StreamTarget {
  readonly connectionId: number;
  readonly runId: number | null;
  readonly timeZone: string;
}

export interface Validated<T> {
  readonly valid: readonly T[];
  readonly rejected: readonly RejectedRecord[];
}

/** Validates each record; duplicates of one key keep the one modified last. */
export function validatePage<T extends { externalId: string }>(
  records: readonly unknown[],
  schema: z.ZodType<T>,
  modifiedAt: (record: T) => string | null = () => null,
): Validated<T> {
  const byId = new Map<string, T>();
  const rejected: RejectedRecord[] = [];
  for (const record of records) {
    const parsed = schema.safeParse(record);
    if (!parsed.success) {
      const externalId = (record as { externalId?: unknown } | null)?.externalId;
      rejected.push({
        externalId: typeof externalId === 'string' ? externalId : null,
        payload: record,
        reason: reasonOf(parsed.error),
      });
      continue;
    }
    const previous = byId.get(parsed.data.externalId);
    if (!previous || (modifiedAt(parsed.data) ?? '') >= (modifiedAt(previous) ?? '')) {
      byId.set(parsed.data.externalId, parsed.data);
    }
  }
  return { valid: [...byId.values()], rejected };
}

/** A CRM close date as the calendar day it falls on in the connection's zone. */
export function localDay(value: string | null, timeZone: string): string | null {
  if (value === null) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return DateTime.fromISO(value, { setZone: true }).setZone(timeZone).toISODate();
}

/** Instant for a timestamptz column; a bare date means midnight in the connection's zone. */
export function instantOf(value: string | null, timeZone: string): string | null {
  if (value === null) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return DateTime.fromISO(value, { zone: timeZone }).toISO();
  return value;
}

/**
 * Adds one saved page to its run's counts inside the page's own transaction, so the counts can
 * never miss a page that committed or include one that did not, whatever kills the process; a
 * run taken over by another worker then reports what the whole run read (issue 15, item 9).
 */
export async function countPageInRun(
  trx: Trx,
  runId: number | null,
  stream: 'owners' | 'pipelines' | 'deals' | 'leads',
  page: {
    readonly read: number;
    readonly changed: number;
    readonly deleted: number;
    readonly quarantined: number;
  },
): Promise<void> {
  if (runId === null) return;
  await addRunCounts(trx, runId, {
    [stream]: page.read,
    changed: page.changed,
    deleted: page.deleted,
    quarantined: page.quarantined,
  });
}
