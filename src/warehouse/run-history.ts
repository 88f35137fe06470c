import type { Db } from '../db.js';
import type { SyncRunRow } from './tables.js';
import type { PushOutcome } from './tables-forecast-push.js';

/**
 * Reads for the run history (`salesops runs`, and the API's runs page later): the runs with their
 * connection's name, and one run's quarantined records and pushed values. Writes stay in
 * sync-runs.ts, quarantine.ts and push-tables.ts.
 */
export interface RunHistoryRow extends SyncRunRow {
  readonly connection_name: string;
}

export interface RunHistoryFilter {
  readonly connectionId?: number;
  readonly limit: number;
}

/** The newest runs first. */
export async function listRunHistory(db: Db, filter: RunHistoryFilter): Promise<RunHistoryRow[]> {
  let query = db
    .selectFrom('sync_runs')
    .innerJoin('connections', 'connections.id', 'sync_runs.connection_id')
    .selectAll('sync_runs')
    .select('connections.name as connection_name')
    .orderBy('sync_runs.id', 'desc')
    .limit(filter.limit);
  if (filter.connectionId !== undefined)
    query = query.where('sync_runs.connection_id', '=', filter.connectionId);
  return query.execute();
}

export async function getRunHistory(db: Db, runId: number): Promise<RunHistoryRow | undefined> {
  return db
    .selectFrom('sync_runs')
    .innerJoin('connections', 'connections.id', 'sync_runs.connection_id')
    .selectAll('sync_runs')
    .select('connections.name as connection_name')
    .where('sync_runs.id', '=', runId)
    .executeTakeFirst();
}

export interface RunQuarantinedRecord {
  readonly stream: string;
  readonly externalId: string | null;
  readonly reason: string;
}

export async function runQuarantinedRecords(db: Db, runId: number): Promise<RunQuarantinedRecord[]> {
  const rows = await db
    .selectFrom('quarantined_records')
    .select(['stream', 'external_id', 'reason'])
    .where('run_id', '=', runId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ stream: r.stream, externalId: r.external_id, reason: r.reason }));
}

export interface RunPushedValue {
  readonly object: string;
  readonly recordId: string;
  readonly field: string;
  /** What the CRM showed before, as the push's outbox diff knew it (push_results.previous). */
  readonly previous: string | null;
  readonly value: string | null;
  readonly outcome: PushOutcome;
  readonly reason: string | null;
  readonly attempt: number;
}

/** Every value the run's push wrote, previewed or had rejected, in record order. */
export async function runPushedValues(db: Db, runId: number): Promise<RunPushedValue[]> {
  const rows = await db
    .selectFrom('push_results')
    .select(['object', 'record_id', 'field', 'previous', 'value', 'outcome', 'reason', 'attempt'])
    .where('run_id', '=', runId)
    .orderBy('object')
    .orderBy('record_id')
    .orderBy('field')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    object: r.object,
    recordId: r.record_id,
    field: r.field,
    previous: r.previous,
    value: r.value,
    outcome: r.outcome,
    reason: r.reason,
    attempt: r.attempt,
  }));
}
