import { type Kysely, sql } from 'kysely';

/**
 * Schema `reporting` (issue 20, DESIGN §13): stable views a BI tool (Metabase, Grafana) reads
 * without knowing the warehouse's tables. Their columns are a contract documented in
 * docs/reporting-views.md: a later migration may add columns at the end, never rename or drop
 * one. Names are resolved, money is the CRM's number, instants are timestamptz.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create schema if not exists reporting`.execute(db);

  await sql`create view reporting.attainment as
    select m.connection_id,
      c.name as connection,
      m.period_key,
      m.record_id as owner_id,
      o.email as owner_email,
      nullif(concat_ws(' ', o.first_name, o.last_name), '') as owner_name,
      max(m.value_numeric) filter (where m.metric = 'salesops_quota') as quota,
      max(m.value_numeric) filter (where m.metric = 'salesops_closed_won') as closed_won,
      max(m.value_numeric) filter (where m.metric = 'salesops_quota_attainment') as attainment_pct,
      max(m.value_numeric) filter (where m.metric = 'salesops_win_rate') as win_rate_pct,
      max(m.computed_at) as computed_at
    from metric_values m
    join connections c on c.id = m.connection_id
    left join owners o on o.connection_id = m.connection_id and o.external_id = m.record_id
    where m.object = 'rep'
      and m.metric in ('salesops_quota', 'salesops_closed_won', 'salesops_quota_attainment', 'salesops_win_rate')
    group by m.connection_id, c.name, m.period_key, m.record_id, o.email, o.first_name, o.last_name`.execute(
    db,
  );

  await sql`create view reporting.pipeline as
    select d.connection_id,
      c.name as connection,
      d.external_id as deal_id,
      d.name as deal_name,
      d.pipeline_id,
      p.label as pipeline,
      d.stage_id,
      s.label as stage,
      s.display_order as stage_order,
      coalesce(s.is_closed, false) as is_closed,
      coalesce(s.is_won, false) as is_won,
      coalesce(d.probability, s.probability) as probability,
      d.owner_id,
      o.email as owner_email,
      d.amount,
      d.currency,
      d.amount_home,
      d.close_date,
      d.crm_created_at as created_at,
      d.first_closed_at,
      d.last_modified_at
    from deals d
    join connections c on c.id = d.connection_id
    left join pipelines p on p.connection_id = d.connection_id and p.external_id = d.pipeline_id
    left join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
    left join owners o on o.connection_id = d.connection_id and o.external_id = d.owner_id
    where not d.is_deleted and d.merged_into is null`.execute(db);

  await sql`create view reporting.lead_assignments as
    select a.connection_id,
      c.name as connection,
      a.lead_id,
      l.email as lead_email,
      l.status as lead_status,
      l.source as lead_source,
      a.owner_id,
      o.email as owner_email,
      a.assigned_at,
      a.source as assignment_source
    from lead_assignments a
    join connections c on c.id = a.connection_id
    left join leads l on l.connection_id = a.connection_id and l.external_id = a.lead_id
    left join owners o on o.connection_id = a.connection_id and o.external_id = a.owner_id`.execute(db);

  await sql`create view reporting.runs as
    select r.id as run_id,
      r.connection_id,
      c.name as connection,
      r.trigger,
      r.status,
      r.queued_at,
      r.started_at,
      r.finished_at,
      extract(epoch from (r.finished_at - r.started_at))::double precision as duration_seconds,
      coalesce((r.counts->>'owners')::bigint, 0) as owners_pulled,
      coalesce((r.counts->>'pipelines')::bigint, 0) as pipelines_pulled,
      coalesce((r.counts->>'deals')::bigint, 0) as deals_pulled,
      coalesce((r.counts->>'leads')::bigint, 0) as leads_pulled,
      coalesce((r.counts->>'changed')::bigint, 0) as changed,
      coalesce((r.counts->>'deleted')::bigint, 0) as deleted,
      coalesce((r.counts->>'quarantined')::bigint, 0) as quarantined,
      coalesce((r.counts->>'pushedRecords')::bigint, 0) as pushed,
      coalesce((r.counts->>'pushFailed')::bigint, 0) as push_failed,
      r.error
    from sync_runs r
    join connections c on c.id = r.connection_id`.execute(db);

  await sql`create view reporting.payouts as
    select s.connection_id,
      c.name as connection,
      s.period_key,
      s.owner_id,
      o.email as owner_email,
      nullif(concat_ws(' ', o.first_name, o.last_name), '') as owner_name,
      s.plan_name,
      s.total,
      s.draw_balance,
      s.status,
      (cp.period_key is not null) as period_closed,
      s.approved_at,
      s.computed_at
    from comp_statements s
    join connections c on c.id = s.connection_id
    left join owners o on o.connection_id = s.connection_id and o.external_id = s.owner_id
    left join comp_periods cp on cp.connection_id = s.connection_id and cp.period_key = s.period_key`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop schema if exists reporting cascade`.execute(db);
}
