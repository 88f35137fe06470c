import { sql, type Transaction } from 'kysely';
import type { CrmConnector, FieldObject, FieldWrite, WriteResult } from '../../connectors/connector.js';
import { isConnectorError } from '../../connectors/connector-error.js';
import type { Db } from '../db.js';
import type { Database } from '../warehouse/tables.js';

/**
 * One batch of the push stage, in one transaction: claim → write → acknowledge.
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

interface ClaimedRow {
  readonly record_id: string;
  readonly field: string;
  readonly kind: 'number' | 'text';
  readonly value: string | null;
  readonly previous: string | null;
  readonly attempts: number;
  readonly target_id: string | null;
}

interface ClaimedRecord {
  readonly recordId: string;
  readonly targetId: string | null;
  readonly rows: readonly ClaimedRow[];
}

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
  readonly target: FieldObject;
  readonly batchMax: number;
  /** Re-provisions fields once per run after a write says one is missing; resolves to its calls. */
  readonly reEnsureFields: () => Promise<number | null>;
}

type Trx = Transaction<Database>;

function typed(row: ClaimedRow): string | number | null {
  if (row.value === null) return null;
  return row.kind === 'number' ? Number(row.value) : row.value;
}

async function claim(trx: Trx, ctx: BatchContext): Promise<ClaimedRecord[]> {
  // The next records in key order (a range scan of the primary key), then all their pending
  // fields by `= any(array)`: an index condition whatever the planner believes about the
  // outbox's size, which right after a compute is usually stale. A rejected row is not retried
  // in the run that rejected it.
  const { rows } = await sql<ClaimedRow>`
    select o.record_id, o.field, o.kind, o.value, o.previous, o.attempts,
      case when o.object = 'deal' then o.record_id else ow.user_id end as target_id
    from push_outbox o
    left join owners ow on o.object = 'rep' and ow.connection_id = o.connection_id and ow.external_id = o.record_id
    where o.connection_id = ${ctx.connectionId} and o.object = ${ctx.target}
      and o.record_id = any(array(
        select distinct record_id from push_outbox
        where connection_id = ${ctx.connectionId} and object = ${ctx.target}
          and last_attempt_run is distinct from ${ctx.runId}::bigint
        order by record_id limit ${ctx.batchMax}))
      and o.last_attempt_run is distinct from ${ctx.runId}::bigint
    order by o.record_id, o.field
    for update of o skip locked`.execute(trx);
  const byRecord = new Map<string, ClaimedRow[]>();
  for (const row of rows) {
    const list = byRecord.get(row.record_id) ?? [];
    list.push(row);
    byRecord.set(row.record_id, list);
  }
  return [...byRecord].map(([recordId, list]) => ({
    recordId,
    targetId: list[0]?.target_id ?? null,
    rows: list,
  }));
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
  return db.transaction().execute(async (trx) => {
    const records = await claim(trx, ctx);
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
    await acknowledge(trx, ctx, outcomes);
    const written = outcomes.filter((o) => o.result?.ok === true).length;
    return {
      claimedRecords: records.length,
      calls: calls.n,
      written,
      rejected: records.length - written,
    };
  });
}

async function acknowledge(
  trx: Trx,
  ctx: BatchContext,
  outcomes: readonly { readonly record: ClaimedRecord; readonly result: WriteResult | undefined }[],
): Promise<void> {
  if (outcomes.length === 0) return;
  const rows = outcomes.flatMap(({ record, result }) =>
    record.rows.map((row) => ({
      record_id: record.recordId,
      // A merged deal: the values now live on the surviving record, and so does their state.
      state_id:
        ctx.target === 'deal' && result?.resolvedId && result.resolvedId !== record.recordId
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
  const json = JSON.stringify(rows);
  const c = ctx.connectionId;
  const t = ctx.target;
  await sql`
    with r as (
      select * from jsonb_to_recordset(${json}::jsonb) as r(record_id text, state_id text, target_id text,
        field text, value text, previous text, ok boolean, reason text, attempt int)
    ),
    results as (
      insert into push_results (connection_id, run_id, object, record_id, target_id, field, value, previous, outcome, reason, attempt)
      select ${c}, ${ctx.runId}, ${t}, r.record_id, r.target_id, r.field, r.value, r.previous,
        case when r.ok then 'written' else 'rejected' end, r.reason, r.attempt
      from r
    ),
    moved as (
      delete from push_state ps using r
      where r.ok and r.state_id <> r.record_id and ps.connection_id = ${c} and ps.object = ${t}
        and ps.record_id = r.record_id and ps.field = r.field
    ),
    accepted as (
      insert into push_state (connection_id, object, record_id, field, value, accepted_at, run_id)
      -- Two merged records may resolve to one survivor: one row per key, or the upsert refuses.
      select distinct on (r.state_id, r.field) ${c}, ${t}, r.state_id, r.field, r.value, now(), ${ctx.runId}::bigint
      from r where r.ok
      on conflict (connection_id, object, record_id, field) do update
        set value = excluded.value, accepted_at = excluded.accepted_at, run_id = excluded.run_id
    ),
    done as (
      delete from push_outbox o using r
      where r.ok and o.connection_id = ${c} and o.object = ${t} and o.record_id = r.record_id and o.field = r.field
    )
    update push_outbox o
    set attempts = r.attempt, last_error = r.reason, last_attempt_run = ${ctx.runId}::bigint
    from r
    where not r.ok and o.connection_id = ${c} and o.object = ${t} and o.record_id = r.record_id and o.field = r.field`.execute(
    trx,
  );
}
