import type { CrmConnector, FieldWrite, WriteResult, WriteTarget } from '../../connectors/connector.js';
import { isConnectorError } from '../../connectors/connector-error.js';
import type { Db } from '../db.js';
import {
  type ClaimedRecord,
  type ClaimedRow,
  inClaimedBatch,
  type PushAck,
} from '../warehouse/push-tables.js';

/**
 * One batch of the push stage, in one transaction: claim → write → acknowledge
 * (warehouse/push-tables.ts `inClaimedBatch`).
 *
 * The outbox rows are claimed with `FOR UPDATE SKIP LOCKED` and the row locks are held across
 * the CRM call. Acknowledging (push_state updated, outbox rows deleted, results recorded) commits
 * with the claim. A crash anywhere before that commit rolls the claim back: the rows are still in
 * the outbox, so no value is lost, and only the values of the batch in flight can reach the CRM
 * once more. Holding locks over one HTTP call is the price of that guarantee; a batch is one
 * call (two or a few more when a whole-batch failure is bisected), bounded by the connector's
 * request timeout.
 */
/** The write side of a connector: all the push stage needs. */
export type PushConnector = Pick<CrmConnector, 'kind' | 'ensureFields' | 'write'>;

export const WRITE_BATCH_MAX: Readonly<Record<CrmConnector['kind'], number>> = {
  hubspot: 100,
  salesforce: 200,
};

export interface BatchOutcome {
  readonly claimedRecords: number;
  readonly calls: number;
  readonly written: number;
  readonly rejected: number;
}

export interface BatchContext {
  readonly connectionId: number;
  readonly runId: number;
  readonly connector: PushConnector;
  readonly target: WriteTarget;
  readonly batchMax: number;
  /** Re-provisions fields once per run after a write says one is missing; resolves to its calls. */
  readonly reEnsureFields: () => Promise<number | null>;
}

function typed(row: ClaimedRow): string | number | null {
  if (row.value === null) return null;
  return row.kind === 'number' ? Number(row.value) : row.value;
}

const VANISHED = 'The CRM returned no result for this record; it is retried on the next run.';

/**
 * Writes, and splits a batch the CRM refuses as a whole in halves until the bad record stands
 * alone: log2(n) extra calls per bad record instead of losing the batch. Errors that are about
 * the call rather than the records (rate limit, outage, auth, allowance) propagate.
 */
async function writeBisecting(
  ctx: BatchContext,
  writes: readonly FieldWrite[],
  calls: { n: number },
): Promise<Map<string, WriteResult>> {
  const out = new Map<string, WriteResult>();
  if (writes.length === 0) return out;
  try {
    calls.n += 1;
    const results = await ctx.connector.write(ctx.target, writes);
    for (const r of results) out.set(r.recordId, r);
    return out;
  } catch (error) {
    const recordLevel = isConnectorError(error) && ['invalid_request', 'not_found'].includes(error.kind);
    if (!recordLevel) throw error;
    if (writes.length === 1) {
      const only = writes[0] as FieldWrite;
      out.set(only.recordId, { recordId: only.recordId, ok: false, reason: error.message });
      return out;
    }
    const half = Math.ceil(writes.length / 2);
    for (const part of [writes.slice(0, half), writes.slice(half)]) {
      for (const [id, r] of await writeBisecting(ctx, part, calls)) out.set(id, r);
    }
    return out;
  }
}

export async function writeNextBatch(db: Db, ctx: BatchContext): Promise<BatchOutcome> {
  const key = {
    connectionId: ctx.connectionId,
    runId: ctx.runId,
    target: ctx.target,
    batchMax: ctx.batchMax,
  };
  return inClaimedBatch(db, key, async (records) => {
    const calls = { n: 0 };
    const unwritable = records.filter((r) => r.targetId === null);
    const writable = records.filter((r) => r.targetId !== null);
    const writes: FieldWrite[] = writable.map((r) => ({
      recordId: r.targetId as string,
      values: Object.fromEntries(r.rows.map((row) => [row.field, typed(row)])),
    }));
    const results = await writeBisecting(ctx, writes, calls);

    const missing = writes.filter((w) => results.get(w.recordId)?.code === 'field_missing');
    if (missing.length > 0) {
      const ensureCalls = await ctx.reEnsureFields();
      if (ensureCalls !== null) {
        calls.n += ensureCalls;
        for (const [id, r] of await writeBisecting(ctx, missing, calls)) results.set(id, r);
      }
    }

    const outcomes = [
      ...writable.map((r) => ({ record: r, result: results.get(r.targetId as string) })),
      ...unwritable.map((r) => ({
        record: r,
        result: {
          recordId: r.recordId,
          ok: false,
          reason: 'This owner has no CRM user to write to; link the owner to a user in the CRM.',
        } as WriteResult,
      })),
    ];
    const written = outcomes.filter((o) => o.result?.ok === true).length;
    return {
      acks: acks(ctx.target, outcomes),
      result: { claimedRecords: records.length, calls: calls.n, written, rejected: records.length - written },
    };
  });
}

/** Each claimed value's outcome, as the warehouse records it. */
function acks(
  target: WriteTarget,
  outcomes: readonly { readonly record: ClaimedRecord; readonly result: WriteResult | undefined }[],
): PushAck[] {
  return outcomes.flatMap(({ record, result }) =>
    record.rows.map((row) => ({
      record_id: record.recordId,
      // A merged deal: the values now live on the surviving record, and so does their state.
      state_id:
        target === 'deal' && result?.resolvedId && result.resolvedId !== record.recordId
          ? result.resolvedId
          : record.recordId,
      target_id: result?.resolvedId ?? record.targetId,
      field: row.field,
      value: row.value,
      previous: row.previous,
      ok: result?.ok === true,
      reason: result === undefined ? VANISHED : result.ok ? null : (result.reason ?? 'Rejected by the CRM.'),
      attempt: row.attempts + 1,
    })),
  );
}
