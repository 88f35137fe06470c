import { type Insertable, sql } from 'kysely';
import type { Db } from '../db.js';
import type { MetricValuesTable } from './tables.js';

/**
 * `metric_values`: what the compute stage computed, per record, metric and period, for push to
 * read. This module is its only writer; each compute step owns its metric names and hands its
 * fresh values here in one of three shapes.
 */

export interface MetricScope {
  readonly connectionId: number;
  readonly periodKey: string;
  readonly runId: number | null;
}

/**
 * Diffs the values staged in the temp table `salesops_fresh` (object, record_id, metric,
 * value_numeric, value_text) against the stored ones of the given metrics for the period, and
 * writes only the difference: new rows inserted, changed ones updated, rows that no longer
 * qualify deleted. Unchanged rows are never touched, so their computed_at stays and a no-change
 * recompute writes nothing. Run it inside the transaction that staged the values.
 */
export async function writeStagedMetricValues(
  trx: Db,
  scope: MetricScope,
  metrics: { readonly rep: readonly string[]; readonly deal: readonly string[] },
): Promise<void> {
  const c = scope.connectionId;
  const periodKey = scope.periodKey;
  await sql`drop table if exists salesops_diff`.execute(trx);
  // One hash full join finds new or changed values and stored rows that no longer qualify.
  await sql`create temp table salesops_diff on commit drop as
      select coalesce(f.object, mv.object) as object, coalesce(f.record_id, mv.record_id) as record_id,
             coalesce(f.metric, mv.metric) as metric, f.value_numeric, f.value_text,
             f.object is null as gone, mv.object is null as is_new
      from salesops_fresh f
      full join (
        select object, record_id, metric, value_numeric, value_text
        from metric_values
        where connection_id = ${c} and period_key = ${periodKey}
          and ((object = 'rep' and metric = any(${[...metrics.rep]}::text[]))
            or (object = 'deal' and metric = any(${[...metrics.deal]}::text[])))
      ) mv on mv.object = f.object and mv.record_id = f.record_id and mv.metric = f.metric
      where f.object is null or mv.object is null
         or f.value_numeric is distinct from mv.value_numeric
         or f.value_text is distinct from mv.value_text`.execute(trx);
  // New rows by plain INSERT in key order (no speculative-insertion cost per row, sequential
  // index pages: a first compute writes ~500k rows at 1M deals); changed ones by UPDATE.
  await sql`
      insert into metric_values
        (connection_id, object, record_id, metric, period_key, value_numeric, value_text, computed_at, run_id)
      select ${c}::int, d.object, d.record_id, d.metric, ${periodKey}::text, d.value_numeric, d.value_text,
             now(), ${scope.runId}::bigint
      from salesops_diff d
      where d.is_new
      order by d.object, d.record_id, d.metric`.execute(trx);
  await sql`
      update metric_values mv
      set value_numeric = d.value_numeric, value_text = d.value_text, computed_at = now(), run_id = ${scope.runId}::bigint
      from salesops_diff d
      where not d.gone and not d.is_new and mv.connection_id = ${c} and mv.period_key = ${periodKey}
        and mv.object = d.object and mv.record_id = d.record_id and mv.metric = d.metric`.execute(trx);
  await sql`
      delete from metric_values mv
      using salesops_diff d
      where d.gone and mv.connection_id = ${c} and mv.period_key = ${periodKey}
        and mv.object = d.object and mv.record_id = d.record_id and mv.metric = d.metric`.execute(trx);
}

/** Upserts numeric values in one statement; a stored row keeps its value_text. */
export async function upsertNumericMetricValues(
  db: Db,
  rows: readonly Insertable<MetricValuesTable>[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('metric_values')
    .values([...rows])
    .onConflict((oc) =>
      oc.columns(['connection_id', 'object', 'record_id', 'metric', 'period_key']).doUpdateSet((eb) => ({
        value_numeric: eb.ref('excluded.value_numeric'),
        computed_at: eb.ref('excluded.computed_at'),
        run_id: eb.ref('excluded.run_id'),
      })),
    )
    .execute();
}

export interface MetricValueRow {
  readonly object: 'rep' | 'deal';
  readonly record_id: string;
  readonly metric: string;
  readonly value_numeric: number | null;
  readonly value_text: string | null;
}

/** Upserts values of one period, 5,000 rows per statement (jsonb_to_recordset: one parameter). */
export async function upsertMetricValues(
  trx: Db,
  scope: MetricScope,
  rows: readonly MetricValueRow[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    await sql`
        insert into metric_values (connection_id, object, record_id, metric, period_key, value_numeric, value_text, computed_at, run_id)
        select ${scope.connectionId}, r.object, r.record_id, r.metric, ${scope.periodKey}, r.value_numeric, r.value_text, now(), ${scope.runId}
        from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 5000))}::jsonb)
          as r(object text, record_id text, metric text, value_numeric numeric, value_text text)
        on conflict (connection_id, object, record_id, metric, period_key) do update set
          value_numeric = excluded.value_numeric, value_text = excluded.value_text,
          computed_at = excluded.computed_at, run_id = excluded.run_id`.execute(trx);
  }
}

/** Deletes values of these metrics stored for other periods (the quarter moved on). */
export async function deleteMetricsOfOtherPeriods(
  trx: Db,
  scope: MetricScope,
  object: 'rep' | 'deal',
  metrics: readonly string[],
): Promise<void> {
  await sql`
      delete from metric_values m
      where m.connection_id = ${scope.connectionId} and m.object = ${object}
        and m.metric = any(${[...metrics]}::text[]) and m.period_key <> ${scope.periodKey}`.execute(trx);
}
