import type { FieldReport, WriteTarget } from '../../connectors/connector.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { hasPendingPush, prunePushResults, recordPushPreview } from '../warehouse/push-tables.js';
import type { SyncRunCounts } from '../warehouse/tables.js';
import { computeOutbox } from './outbox.js';
import { fieldsProvisioned, provisionFields } from './provision-fields.js';
import { type PushConnector, WRITE_BATCH_MAX, writeNextBatch } from './write-batch.js';

/**
 * The push stage (DESIGN §1, §6): first the outbox diff — the values compute left in
 * `metric_values` whose rounded form differs from what the CRM last accepted (outbox.ts) — then
 * outbox → CRM batch writes. Fields are provisioned before the first push and again only when
 * the mapping changes or a write says a field is missing; each target's outbox is drained in the
 * largest batches the CRM takes, one transaction per batch (write-batch.ts). Records the CRM
 * rejects keep their outbox rows and are retried on the next run. A dry run records the preview
 * and calls nothing that mutates.
 */
export interface PushOptions {
  readonly runId: number;
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
  readonly logger?: Logger;
  /** The moment compute computed for: the outbox takes the quarter containing it. */
  readonly asOf: Date;
  /** Computed under --as-of: the diff starts no full resend. */
  readonly replay: boolean;
  /** Told after each batch, with the stage's running totals (progress). */
  readonly onBatch?: (totals: {
    readonly calls: number;
    readonly written: number;
    readonly rejected: number;
  }) => void;
}

export interface PushOutcome {
  readonly counts: SyncRunCounts;
  readonly partial?: boolean;
}

/** push_results are an audit trail, not a history: older rows are pruned at each push. */
const RESULTS_KEPT_DAYS = 30;
/** Lead owners chosen by routing go first: speed to lead is what a rep feels. */
const TARGETS: readonly WriteTarget[] = ['lead', 'rep', 'deal'];

export async function pushStage(
  db: Db,
  connection: Connection,
  connector: PushConnector,
  options: PushOptions,
): Promise<PushOutcome> {
  const started = performance.now();
  const outbox = await computeOutbox(db, connection, options);
  options.logger?.info({ ...outbox, durationMs: Math.round(performance.now() - started) }, 'outbox diffed');
  return writeOutbox(db, connection, connector, options);
}

/**
 * The stage after its diff: what is in the outbox now goes to the CRM (or into the preview).
 * Exported for the push benchmark, which times the diff and the writes apart.
 */
export async function writeOutbox(
  db: Db,
  connection: Connection,
  connector: PushConnector,
  options: PushOptions,
): Promise<PushOutcome> {
  const log = options.logger;

  if (options.dryRun) {
    let calls = 0;
    if (!(await fieldsProvisioned(db, connection))) {
      const report = await provisionFields(db, connection, connector, { dryRun: true });
      calls += report.calls;
      logReport(log, report, true);
    }
    await recordPushPreview(db, connection.id, options.runId);
    return { counts: { pushedCalls: calls, pushedRecords: 0, pushFailed: 0 } };
  }

  await prunePushResults(db, connection.id, RESULTS_KEPT_DAYS);
  // Nothing changed: no call of any kind, not even field provisioning.
  if (!(await hasPendingPush(db, connection.id, options.runId))) {
    return { counts: { pushedCalls: 0, pushedRecords: 0, pushFailed: 0 } };
  }

  const ensure = async (): Promise<number> => {
    const report = await provisionFields(db, connection, connector, { dryRun: false });
    logReport(log, report, false);
    return report.calls;
  };

  let calls = 0;
  let written = 0;
  let rejected = 0;
  if (!(await fieldsProvisioned(db, connection))) calls += await ensure();
  let reEnsured = false;
  const batchMax = WRITE_BATCH_MAX[connector.kind];
  for (const target of TARGETS) {
    for (;;) {
      if (options.signal.aborted) {
        // Stop between batches: everything not acknowledged is still in the outbox.
        throw options.signal.reason instanceof Error ? options.signal.reason : new Error('push aborted');
      }
      const batch = await writeNextBatch(db, {
        connectionId: connection.id,
        runId: options.runId,
        connector,
        target,
        batchMax,
        reEnsureFields: async () => {
          if (reEnsured) return null;
          reEnsured = true;
          log?.warn({ target }, 'a write reported a missing field: provisioning fields again');
          return ensure();
        },
      });
      if (batch.claimedRecords === 0) break;
      calls += batch.calls;
      written += batch.written;
      rejected += batch.rejected;
      options.onBatch?.({ calls, written, rejected });
    }
  }
  log?.info({ calls, written, rejected }, 'push done');
  return {
    counts: { pushedCalls: calls, pushedRecords: written, pushFailed: rejected },
    ...(rejected > 0 && { partial: true }),
  };
}

function logReport(log: Logger | undefined, report: FieldReport, dryRun: boolean): void {
  log?.info(
    {
      dryRun,
      created: report.created.length,
      existing: report.existing.length,
      failed: report.failed,
      notes: report.notes,
      calls: report.calls,
    },
    dryRun ? 'fields that a push would provision' : 'fields provisioned',
  );
}
