import { sql, type Transaction } from 'kysely';
import type { Db } from '../db.js';
import { recordOwnerWriteOutcomes } from './routing-tables.js';
import type { Database } from './tables.js';

/**
 * The push table group — `push_outbox`, `push_state`, `push_results`, `push_connections` — is
 * written here and nowhere else. One module for the four because their writes are one act: an
 * acknowledged batch moves values from the outbox to the accepted state and records the outcome
 * in a single statement. What to diff, how to round and what an outcome means are the push
 * stage's rules (src/push/); this module only runs them as set-based SQL.
 */

type Trx = Transaction<Database>;

/** One mapped field as the diff sees it: how its value is rounded to what the CRM can show. */
export interface OutboxField {
  readonly metric: string;
  readonly object: string;
  readonly field: string;
  readonly kind: 'number' | 'text';
  /** Numeric values rounded to this many decimals; null for text values. */
  readonly digits: number | null;
  /** Text values cut to this many characters (a date's day); null keeps them whole. */
  readonly chars: number | null;
}

export interface OutboxDiff {
  readonly connectionId: number;
  /** The metric_values period whose values are pushed. */
  readonly periodKey: string;
  readonly runId: number | null;
  readonly fields: readonly OutboxField[];
  /** Days between full resends; 0 switches them off. */
  readonly resendDays: number;
  /** A replay never starts a full resend. */
  readonly replay: boolean;
}

export interface OutboxCounts {
  readonly queued: number;
  readonly removed: number;
  readonly resend: boolean;
}

/**
 * A first push or a resend can grow the outbox from nothing to 100,000 rows within seconds, long
 * before autovacuum notices: with statistics that still say "empty", the planner scans the whole
 * outbox for every batch the push claims. Fresh statistics after a bulk change keep claims on
 * the index.
 */
const ANALYZE_AFTER_ROWS = 1000;

/** Keeps `push_outbox` equal to "what still has to be written", in one statement. */
export async function diffPushOutbox(db: Db, diff: OutboxDiff): Promise<OutboxCounts> {
  const c = diff.connectionId;
  const counts = await db.transaction().execute(async (trx) => {
    // Serialises concurrent diffs of one connection on this row (the engine already holds the
    // connection lock; this keeps direct callers such as tests and the bench honest too). No
    // resend time yet means no diff yet, also when `fields ensure` created the row before it.
    const state = await sql<{ first: boolean; due: boolean }>`
      insert into push_connections (connection_id) values (${c})
      on conflict (connection_id) do update set connection_id = excluded.connection_id
      returning last_full_resend_at is null as first,
        coalesce(last_full_resend_at <= now() - make_interval(days => ${diff.resendDays}), false) as due`.execute(
      trx,
    );
    const row = state.rows[0];
    // A first diff queues every value anyway; a replay never resends.
    const first = row?.first !== false;
    const resend = !first && row?.due === true && diff.resendDays > 0 && !diff.replay;
    if (first || resend) {
      await sql`update push_connections set last_full_resend_at = now() where connection_id = ${c}`.execute(
        trx,
      );
    }

    // A bulk diff: hash joins are right at any size, and a nested loop chosen on stale
    // statistics (metric_values just rewritten, the outbox just emptied) is quadratic.
    await sql`set local enable_nestloop = off`.execute(trx);
    const result = await sql<{ queued: number; removed: number }>`
      with m as (
        select * from jsonb_to_recordset(${JSON.stringify(diff.fields)}::jsonb)
          as m(metric text, object text, field text, kind text, digits int, chars int)
      ),
      desired as materialized (
        select mv.object, mv.record_id, m.field, m.kind,
          case
            when m.digits is not null then round(mv.value_numeric, m.digits)::text
            when m.chars is not null then left(mv.value_text, m.chars)
            else mv.value_text
          end as value
        from metric_values mv
        join m on m.metric = mv.metric and m.object = mv.object
        where mv.connection_id = ${c} and mv.period_key = ${diff.periodKey}
          and case when mv.object = 'rep' then exists (
                -- Rep values land on the owner's CRM user: an owner without one cannot be written,
                -- and a deactivated one has no record to write (HubSpot) or nobody to read it.
                select 1 from owners o
                where o.connection_id = ${c} and o.external_id = mv.record_id
                  and o.user_id is not null and o.active and not o.is_queue and not o.is_deleted)
              else exists (
                select 1 from deals d
                where d.connection_id = ${c} and d.external_id = mv.record_id and not d.is_deleted)
              end
      ),
      pending as materialized (
        select d.*, ps.value as previous
        from desired d
        left join push_state ps on ps.connection_id = ${c} and ps.object = d.object
          and ps.record_id = d.record_id and ps.field = d.field
        -- Never written before: only a real value is worth a call; afterwards any difference.
        where ${resend}::boolean
          or case when ps.record_id is null then d.value is not null else ps.value is distinct from d.value end
      ),
      -- The upsert touches rows in pending, the delete only rows outside it (unless they were
      -- queued by a resend), so the two data-modifying CTEs never touch one row twice.
      upserted as (
        insert into push_outbox
          (connection_id, object, record_id, field, kind, value, previous, resend, queued_at, run_id)
        select ${c}, p.object, p.record_id, p.field, p.kind, p.value, p.previous, ${resend}::boolean, now(), ${diff.runId}::bigint
        from pending p
        on conflict (connection_id, object, record_id, field) do update
          set value = excluded.value, previous = excluded.previous, kind = excluded.kind,
              resend = push_outbox.resend or excluded.resend,
              queued_at = excluded.queued_at, run_id = excluded.run_id
          where push_outbox.value is distinct from excluded.value
             or push_outbox.previous is distinct from excluded.previous
             or push_outbox.kind is distinct from excluded.kind
             or (excluded.resend and not push_outbox.resend)
        returning 1
      ),
      removed as (
        delete from push_outbox o
        where o.connection_id = ${c}
          -- Lead owners come from routing, not from metric_values: this diff never removes them.
          and o.object <> 'lead'
          and not exists (
            select 1 from pending p where p.object = o.object and p.record_id = o.record_id and p.field = o.field)
          and not (o.resend and exists (
            select 1 from desired d where d.object = o.object and d.record_id = o.record_id and d.field = o.field))
        returning 1
      )
      select (select count(*) from upserted)::int as queued, (select count(*) from removed)::int as removed`.execute(
      trx,
    );
    const row0 = result.rows[0];
    return { queued: row0?.queued ?? 0, removed: row0?.removed ?? 0, resend };
  });
  if (counts.queued + counts.removed >= ANALYZE_AFTER_ROWS) {
    await sql`analyze push_outbox, push_state`.execute(db);
  }
  return counts;
}

/** The hash of the field specs last provisioned on a connection, if any. */
export async function provisionedFieldsHash(db: Db, connectionId: number): Promise<string | null> {
  const row = await db
    .selectFrom('push_connections')
    .select('fields_hash')
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  return row?.fields_hash ?? null;
}

export async function recordFieldsProvisioned(db: Db, connectionId: number, hash: string): Promise<void> {
  const now = new Date();
  await db
    .insertInto('push_connections')
    .values({ connection_id: connectionId, fields_hash: hash, fields_ensured_at: now })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet({ fields_hash: hash, fields_ensured_at: now }))
    .execute();
}

export async function prunePushResults(db: Db, connectionId: number, keptDays: number): Promise<void> {
  await sql`delete from push_results where connection_id = ${connectionId}
    and created_at < now() - make_interval(days => ${keptDays})`.execute(db);
}

/** Whether any outbox row is left that this run has not attempted yet. */
export async function hasPendingPush(db: Db, connectionId: number, runId: number): Promise<boolean> {
  const pending = await db
    .selectFrom('push_outbox')
    .select('record_id')
    .where('connection_id', '=', connectionId)
    .where((eb) => eb('last_attempt_run', 'is', null).or('last_attempt_run', '!=', runId))
    .limit(1)
    .executeTakeFirst();
  return pending !== undefined;
}

/** Every outbox row as a `preview` result of the run (a dry run's record). */
export async function recordPushPreview(db: Db, connectionId: number, runId: number): Promise<void> {
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

export interface ClaimedRow {
  readonly record_id: string;
  readonly field: string;
  readonly kind: 'number' | 'text';
  readonly value: string | null;
  readonly previous: string | null;
  readonly attempts: number;
  readonly target_id: string | null;
}

export interface ClaimedRecord {
  readonly recordId: string;
  /** The CRM record to write: the deal itself, or the owner's CRM user (null: none). */
  readonly targetId: string | null;
  readonly rows: readonly ClaimedRow[];
}

export interface ClaimKey {
  readonly connectionId: number;
  readonly runId: number;
  readonly target: 'rep' | 'deal' | 'lead';
  readonly batchMax: number;
}

/** One value's outcome: accepted (into push_state under `stateId`) or kept for the next run. */
export interface PushAck {
  readonly record_id: string;
  readonly state_id: string;
  readonly target_id: string | null;
  readonly field: string;
  readonly value: string | null;
  readonly previous: string | null;
  readonly ok: boolean;
  readonly reason: string | null;
  readonly attempt: number;
}

/**
 * Claim → work → acknowledge in one transaction. The claimed rows stay locked (`FOR UPDATE SKIP
 * LOCKED`) while `work` calls the CRM; acknowledging commits with the claim, and anything thrown
 * before that rolls the claim back, so the rows are still in the outbox.
 */
export async function inClaimedBatch<T>(
  db: Db,
  key: ClaimKey,
  work: (
    records: readonly ClaimedRecord[],
  ) => Promise<{ readonly acks: readonly PushAck[]; readonly result: T }>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const { acks, result } = await work(await claim(trx, key));
    if (acks.length > 0) await acknowledge(trx, key, acks);
    // The decision learns its owner was written in the transaction that records the write.
    if (key.target === 'lead' && acks.length > 0) await recordOwnerWriteOutcomes(trx, key.connectionId, acks);
    return result;
  });
}

async function claim(trx: Trx, key: ClaimKey): Promise<ClaimedRecord[]> {
  // The next records in key order (a range scan of the primary key), then all their pending
  // fields by `= any(array)`: an index condition whatever the planner believes about the
  // outbox's size, which right after a diff is usually stale. A rejected row is not retried
  // in the run that rejected it.
  const { rows } = await sql<ClaimedRow>`
    select o.record_id, o.field, o.kind, o.value, o.previous, o.attempts,
      case when o.object = 'rep' then ow.user_id else o.record_id end as target_id
    from push_outbox o
    left join owners ow on o.object = 'rep' and ow.connection_id = o.connection_id and ow.external_id = o.record_id
    where o.connection_id = ${key.connectionId} and o.object = ${key.target}
      and o.record_id = any(array(
        select distinct record_id from push_outbox
        where connection_id = ${key.connectionId} and object = ${key.target}
          and last_attempt_run is distinct from ${key.runId}::bigint
        order by record_id limit ${key.batchMax}))
      and o.last_attempt_run is distinct from ${key.runId}::bigint
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

async function acknowledge(trx: Trx, key: ClaimKey, acks: readonly PushAck[]): Promise<void> {
  const json = JSON.stringify(acks);
  const c = key.connectionId;
  const t = key.target;
  await sql`
    with r as (
      select * from jsonb_to_recordset(${json}::jsonb) as r(record_id text, state_id text, target_id text,
        field text, value text, previous text, ok boolean, reason text, attempt int)
    ),
    results as (
      insert into push_results (connection_id, run_id, object, record_id, target_id, field, value, previous, outcome, reason, attempt)
      select ${c}, ${key.runId}, ${t}, r.record_id, r.target_id, r.field, r.value, r.previous,
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
      select distinct on (r.state_id, r.field) ${c}, ${t}, r.state_id, r.field, r.value, now(), ${key.runId}::bigint
      from r where r.ok
      on conflict (connection_id, object, record_id, field) do update
        set value = excluded.value, accepted_at = excluded.accepted_at, run_id = excluded.run_id
    ),
    done as (
      delete from push_outbox o using r
      where r.ok and o.connection_id = ${c} and o.object = ${t} and o.record_id = r.record_id and o.field = r.field
    )
    update push_outbox o
    set attempts = r.attempt, last_error = r.reason, last_attempt_run = ${key.runId}::bigint
    from r
    where not r.ok and o.connection_id = ${c} and o.object = ${t} and o.record_id = r.record_id and o.field = r.field`.execute(
    trx,
  );
}

/**
 * Fresh statistics after routing queued many owners at once: with the outbox still believed
 * empty, every batch the push claims scans it whole (the same trap as after a bulk diff).
 */
export async function analyzeOutboxAfter(db: Db, queued: number): Promise<void> {
  if (queued >= ANALYZE_AFTER_ROWS) await sql`analyze push_outbox`.execute(db);
}

/** A lead owner chosen by routing, to be written by the push stage (object `lead`, field `owner`). */
export interface LeadOwnerWrite {
  readonly leadId: string;
  readonly ownerId: string;
  /** The owner the warehouse held when the lead was routed (for the preview). */
  readonly previous: string | null;
}

export const LEAD_OWNER_FIELD = 'owner';

/**
 * Queues lead owners in the caller's transaction (the route stage's decision transaction), so
 * the decision and its write are one act. A lead queued again keeps its first owner: a retried
 * stage never changes what a decision chose.
 */
export async function queueLeadOwnerWrites(
  trx: Db | Trx,
  connectionId: number,
  runId: number | null,
  writes: readonly LeadOwnerWrite[],
): Promise<void> {
  if (writes.length === 0) return;
  await trx
    .insertInto('push_outbox')
    .values(
      writes.map((w) => ({
        connection_id: connectionId,
        object: 'lead' as const,
        record_id: w.leadId,
        field: LEAD_OWNER_FIELD,
        kind: 'text' as const,
        value: w.ownerId,
        previous: w.previous,
        resend: false,
        run_id: runId,
      })),
    )
    .onConflict((oc) => oc.columns(['connection_id', 'object', 'record_id', 'field']).doNothing())
    .execute();
}
