import { sql } from 'kysely';
import { z } from 'zod';
import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { mappedFields, sendKind } from './field-specs.js';

/**
 * The compute stage's last step: diff the pushed metrics against what the CRM last accepted
 * (`push_state`) and keep `push_outbox` equal to "what still has to be written".
 *
 * Everything is one set-based statement. Values are rounded in SQL first (percent 0.1, money
 * cents, dates as dates, text as is), so a value that moves by less than the CRM can show never
 * queues a write. A row that became equal to the accepted value again, or whose metric or field
 * is gone (deal closed, mapping switched off), leaves the outbox.
 *
 * Rep-level values describe the fiscal quarter containing the as-of day, so under `--as-of` the
 * replayed quarter is what is queued (and pushed, unless `--no-push`). The periodic full resend
 * follows the wall clock, not the as-of day, and never runs in a replay: a replay repeats a past
 * day, it is not the moment to repair manual edits.
 */
export interface OutboxOptions {
  readonly asOf: Date;
  readonly runId: number | null;
  readonly replay: boolean;
}

export const DEFAULT_FULL_RESEND_DAYS = 7;

const resendDaysSchema = z.number().int().min(0).max(365);

/** `connections.settings.fullResendDays`; 0 switches the periodic resend off. */
export function fullResendDays(connection: Pick<Connection, 'settings'>): number {
  const parsed = resendDaysSchema.safeParse(connection.settings.fullResendDays);
  return parsed.success ? parsed.data : DEFAULT_FULL_RESEND_DAYS;
}

export interface OutboxCounts {
  readonly queued: number;
  readonly removed: number;
  readonly resend: boolean;
}

export async function computeOutbox(
  db: Db,
  connection: Connection,
  options: OutboxOptions,
): Promise<OutboxCounts> {
  const c = connection.id;
  const quarter = periodContaining('quarter', localDate(options.asOf, connection.timeZone), connection);
  const fields = mappedFields(connection).map((f) => ({
    metric: f.metric,
    object: f.object,
    field: f.field,
    type: f.type,
    kind: sendKind(f.type),
  }));
  const resendDays = fullResendDays(connection);

  const counts = await db.transaction().execute(async (trx) => {
    // Serialises concurrent computes of one connection on this row (the engine already holds
    // the connection lock; this keeps direct callers such as tests and the bench honest too).
    const state = await sql<{ first: boolean; due: boolean }>`
      insert into push_connections (connection_id, last_full_resend_at) values (${c}, now())
      on conflict (connection_id) do update set connection_id = excluded.connection_id
      returning (xmax = 0) as first,
        (last_full_resend_at is null or last_full_resend_at <= now() - make_interval(days => ${resendDays})) as due`.execute(
      trx,
    );
    const row = state.rows[0];
    // A first computation queues every value anyway; a replay never resends.
    const resend = !!row && !row.first && row.due && resendDays > 0 && !options.replay;
    if (resend) {
      await sql`update push_connections set last_full_resend_at = now() where connection_id = ${c}`.execute(
        trx,
      );
    }

    // A bulk diff: hash joins are right at any size, and a nested loop chosen on stale
    // statistics (metric_values just rewritten, the outbox just emptied) is quadratic.
    await sql`set local enable_nestloop = off`.execute(trx);
    const result = await sql<{ queued: number; removed: number }>`
      with m as (
        select * from jsonb_to_recordset(${JSON.stringify(fields)}::jsonb)
          as m(metric text, object text, field text, type text, kind text)
      ),
      desired as materialized (
        select mv.object, mv.record_id, m.field, m.kind,
          case m.type
            when 'percent' then round(mv.value_numeric, 1)::text
            when 'currency' then round(mv.value_numeric, 2)::text
            when 'number' then round(mv.value_numeric, 2)::text
            when 'date' then left(mv.value_text, 10)
            else mv.value_text
          end as value
        from metric_values mv
        join m on m.metric = mv.metric and m.object = mv.object
        where mv.connection_id = ${c} and mv.period_key = ${quarter.key}
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
        select ${c}, p.object, p.record_id, p.field, p.kind, p.value, p.previous, ${resend}::boolean, now(), ${options.runId}::bigint
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
  // A first push or a resend can grow the outbox from nothing to 100,000 rows within seconds,
  // long before autovacuum notices: with statistics that still say "empty", the planner scans
  // the whole outbox for every batch the push claims. Fresh statistics keep claims on the index.
  if (counts.queued + counts.removed >= ANALYZE_AFTER_ROWS) {
    await sql`analyze push_outbox, push_state`.execute(db);
  }
  return counts;
}

const ANALYZE_AFTER_ROWS = 1000;
