import type { Checkpoint, CrmConnector } from '../../connectors/connector.js';
import { loadConnection, saveAccountSettings } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { lastReconciledAt, loadCheckpoint, markReconciled } from '../warehouse/checkpoints.js';
import { markDealsDeleted } from '../warehouse/deal-tables.js';
import { markLeadsDeleted } from '../warehouse/lead-tables.js';
import { reconcileDeleted } from '../warehouse/reconcile-ids.js';
import { cancelRequested, RunCancelledError } from '../warehouse/sync-runs.js';
import { analyzePulledTables } from '../warehouse/table-statistics.js';
import { type CountedStream, type SavedPage, STREAM_HANDLERS } from './stream-handlers.js';

/**
 * The pull stage for one connection: account settings, then the streams the connector declares,
 * in its order, each page saved with its checkpoint; then hard-delete reconciliation when due. It
 * only sees pages: pagination, windows and vendor limits are the connector's.
 */
export interface PullCounts {
  owners: number;
  pipelines: number;
  deals: number;
  leads: number;
  deleted: number;
  changed: number;
  quarantined: number;
}

export interface PullOptions {
  /** Ignore checkpoints and re-read everything (also forces the full delete check). */
  readonly full: boolean;
  readonly runId: number | null;
  /** Aborted when the run lost its lock: stop between pages. */
  readonly signal?: AbortSignal;
  /** Called after every saved page (heartbeat, progress). */
  readonly onPage?: (counts: Readonly<PullCounts>) => Promise<void>;
  /** The full delete check (every live id listed) at most this often (default daily). */
  readonly reconcileEveryMs?: number;
  readonly now?: () => Date;
}

/** Rows changed in one pull after which table statistics are refreshed before compute (see table-statistics.ts). */
const ANALYZE_AFTER_CHANGES = 500;

export function emptyPullCounts(): PullCounts {
  return { owners: 0, pipelines: 0, deals: 0, leads: 0, deleted: 0, changed: 0, quarantined: 0 };
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('pull aborted');
}

export async function pullConnection(
  db: Db,
  connector: CrmConnector,
  connectionId: number,
  options: PullOptions,
): Promise<PullCounts> {
  const counts = emptyPullCounts();
  const now = options.now ?? (() => new Date());
  const add = (stream: CountedStream | null, page: SavedPage) => {
    if (stream !== null) counts[stream] += page.read;
    counts.changed += page.changed;
    counts.deleted += page.deleted;
    counts.quarantined += page.quarantined;
  };

  await saveAccountSettings(db, connectionId, await connector.account());
  // Where each kind's stream starts from, read before the streams move it. No checkpoint means a
  // first sync of that kind: nothing saved could have been deleted. Neither could it while the
  // connection was never checked: every completed first sync records a check, so that is a first
  // sync resumed after a crash (a record deleted between the attempts waits for the periodic
  // check, as one deleted between two incremental runs does).
  const checked = (await lastReconciledAt(db, connectionId)) !== null;
  const startedAt = async (stream: 'deals' | 'leads') =>
    checked ? loadCheckpoint(db, connectionId, stream) : null;
  const started: Readonly<Record<DeleteKind, Checkpoint | null>> = {
    deal: await startedAt('deals'),
    lead: await startedAt('leads'),
  };
  const connection = await loadConnection(db, connectionId);
  const run = {
    db,
    connector,
    connection,
    target: { connectionId, runId: options.runId, timeZone: connection.timeZone },
    full: options.full,
    now,
  };

  for (const name of connector.streams) {
    const stream = STREAM_HANDLERS[name];
    for await (const page of stream.pull(run)) {
      add(stream.counts, page);
      // A counted page is a step of the run: stop here if the lock was lost, else report progress.
      if (stream.counts === null) continue;
      checkAborted(options.signal);
      // The page and its checkpoint are committed: a cancel stops here and the next run resumes.
      if (options.runId !== null && (await cancelRequested(db, options.runId))) {
        throw new RunCancelledError(options.runId);
      }
      await options.onPage?.(counts);
    }
  }

  if (counts.changed >= ANALYZE_AFTER_CHANGES) await analyzePulledTables(db);

  const later = DELETE_KINDS.filter((kind) => started[kind] !== null);
  // The CRM's own delete signal, every run, where its stream pages do not already carry it.
  for (const kind of later) {
    const from = started[kind];
    if (connector.deletedIds === undefined || from === null) continue;
    counts.deleted += await markDeleted(db, connectionId, kind, connector.deletedIds(kind, from));
    checkAborted(options.signal);
  }
  if (later.length === 0) {
    // A first sync read every live record: the warehouse is as good as checked, so the periodic
    // full check is due a period from now, not on the next run.
    await markReconciled(db, connectionId, options.runId);
    return counts;
  }
  const due =
    options.full || (await reconcileDue(db, connectionId, now(), options.reconcileEveryMs ?? 86_400_000));
  if (due) {
    for (const kind of later) {
      counts.deleted += await reconcileDeletes(db, connector, connectionId, kind, options.runId);
      checkAborted(options.signal);
    }
  }
  return counts;
}

type DeleteKind = 'deal' | 'lead';
const DELETE_KINDS: readonly DeleteKind[] = ['deal', 'lead'];

async function markDeleted(
  db: Db,
  connectionId: number,
  kind: DeleteKind,
  batches: AsyncIterable<readonly string[]>,
): Promise<number> {
  const mark = kind === 'deal' ? markDealsDeleted : markLeadsDeleted;
  let marked = 0;
  for await (const ids of batches) marked += await mark(db, connectionId, ids);
  return marked;
}

async function reconcileDue(db: Db, connectionId: number, now: Date, everyMs: number): Promise<boolean> {
  const last = await lastReconciledAt(db, connectionId);
  return last === null || now.getTime() - last.getTime() >= everyMs;
}

/**
 * Hard deletes leave no trace in incremental reads: every id the CRM still has is compared with
 * the warehouse and the rest are marked deleted.
 */
export async function reconcileDeletes(
  db: Db,
  connector: CrmConnector,
  connectionId: number,
  kind: 'deal' | 'lead',
  runId: number | null,
): Promise<number> {
  return reconcileDeleted(db, connectionId, kind, connector.existingIds(kind), runId);
}
