import { sql } from 'kysely';
import type { FieldObject, FieldReport } from '../../connectors/connector.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { SyncRunCounts } from '../warehouse/tables.js';
import { fieldSpecs, mappedFields, specsHash } from './field-specs.js';
import { isProvisioned, recordProvisioned } from './provisioning.js';
import { type PushConnector, WRITE_BATCH_MAX, writeNextBatch } from './write-batch.js';

/**
 * The push stage: outbox → CRM batch writes (DESIGN §6). Fields are provisioned before the
 * first push and again only when the mapping changes or a write says a field is missing; then
 * each target's outbox is drained in the largest batches the CRM takes, one transaction per
 * batch (write-batch.ts). Records the CRM rejects keep their outbox rows and are retried on
 * the next run. A dry run records the preview and calls nothing that mutates.
 */
export interface PushOptions {
  readonly runId: number;
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
  readonly logger?: Logger;
}

export interface PushOutcome {
  readonly counts: SyncRunCounts;
  readonly partial?: boolean;
}

/** push_results are an audit trail, not a history: older rows are pruned at each push. */
const RESULTS_KEPT_DAYS = 30;
const TARGETS: readonly FieldObject[] = ['rep', 'deal'];

export async function pushStage(
  db: Db,
  connection: Connection,
  connector: PushConnector,
  options: PushOptions,
): Promise<PushOutcome> {
  const specs = fieldSpecs(mappedFields(connection));
  const hash = specsHash(specs);
  const log = options.logger;
  const provisioned = () => isProvisioned(db, connection.id, hash);

  if (options.dryRun) {
    let calls = 0;
    if (!(await provisioned())) {
      const report = await connector.ensureFields(specs, { dryRun: true });
      calls += report.calls;
      logReport(log, report, true);
    }
    await recordPreview(db, connection.id, options.runId);
    return { counts: { pushedCalls: calls, pushedRecords: 0, pushFailed: 0 } };
  }

  await sql`delete from push_results where connection_id = ${connection.id}
    and created_at < now() - make_interval(days => ${RESULTS_KEPT_DAYS})`.execute(db);
  const pending = await db
    .selectFrom('push_outbox')
    .select('record_id')
    .where('connection_id', '=', connection.id)
    .where((eb) => eb('last_attempt_run', 'is', null).or('last_attempt_run', '!=', options.runId))
    .limit(1)
    .executeTakeFirst();
  // Nothing changed: no call of any kind, not even field provisioning.
  if (!pending) return { counts: { pushedCalls: 0, pushedRecords: 0, pushFailed: 0 } };

  const ensure = async (): Promise<number> => {
    const report = await connector.ensureFields(specs, { dryRun: false });
    logReport(log, report, false);
    await recordProvisioned(db, connection.id, hash);
    return report.calls;
  };

  let calls = 0;
  let written = 0;
  let rejected = 0;
  if (!(await provisioned())) calls += await ensure();
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
    }
  }
  log?.info({ calls, written, rejected }, 'push done');
  return {
    counts: { pushedCalls: calls, pushedRecords: written, pushFailed: rejected },
    ...(rejected > 0 && { partial: true }),
  };
}

async function recordPreview(db: Db, connectionId: number, runId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // A retried stage job records its preview once.
    await trx
      .deleteFrom('push_results')
      .where('run_id', '=', runId)
      .where('outcome', '=', 'preview')
      .execute();
    await sql`
      insert into push_results (connection_id, run_id, object, record_id, target_id, field, value, previous, outcome, attempt)
      select o.connection_id, ${runId}, o.object, o.record_id, null, o.field, o.value, o.previous, 'preview', o.attempts + 1
      from push_outbox o where o.connection_id = ${connectionId}
      order by o.object, o.record_id, o.field`.execute(trx);
  });
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
