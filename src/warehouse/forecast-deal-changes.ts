import { sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * `forecast_deal_state` (the open deals as the last sync saw them) and `forecast_deal_changes`
 * (what changed since, field by field): the forecast's memory of the pipeline, so a replay can
 * rebuild the deals of any past day without a daily copy of every deal. Only this module writes
 * them. `seen_at` is when a deal's state was last recorded as changed (or first seen).
 */

/**
 * Diffs open deals against the last state seen and appends one row per changed field; deals
 * that left the open set get a 'closed' row. Set-based: three statements, whatever the size.
 */
export async function recordDealChanges(
  db: Db,
  connectionId: number,
  at: Date,
  runId: number | null,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`
      create temporary table forecast_current on commit drop as
      select d.external_id as deal_id, d.stage_id, coalesce(d.amount_home, d.amount) as amount, d.close_date,
        d.probability, coalesce(d.forecast_category, s.forecast_category) as category, d.owner_id
      from deals d
      join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
      where d.connection_id = ${connectionId} and not d.is_deleted and not s.is_closed`.execute(trx);
    const inserted = await sql`
      insert into forecast_deal_changes (connection_id, deal_id, field, old_value, new_value, changed_at, run_id)
      select ${connectionId}, x.deal_id, x.field, x.old_value, x.new_value, ${at}, ${runId}
      from (
        select c.deal_id, 'opened' as field, null as old_value, c.stage_id as new_value
        from forecast_current c
        where not exists (select 1 from forecast_deal_state p where p.connection_id = ${connectionId} and p.deal_id = c.deal_id)
        union all
        select c.deal_id, v.field, v.old_value, v.new_value
        from forecast_current c
        join forecast_deal_state p on p.connection_id = ${connectionId} and p.deal_id = c.deal_id
        cross join lateral (values
          ('stage', p.stage_id, c.stage_id, p.stage_id is distinct from c.stage_id),
          ('amount', p.amount::text, c.amount::text, p.amount is distinct from c.amount),
          ('close_date', p.close_date::text, c.close_date::text, p.close_date is distinct from c.close_date),
          ('probability', p.probability::text, c.probability::text, p.probability is distinct from c.probability),
          ('category', p.category, c.category, p.category is distinct from c.category),
          ('owner', p.owner_id, c.owner_id, p.owner_id is distinct from c.owner_id)
        ) as v(field, old_value, new_value, changed)
        where v.changed
        union all
        select p.deal_id, 'closed', p.stage_id, coalesce(d.stage_id, '')
        from forecast_deal_state p
        left join deals d on d.connection_id = p.connection_id and d.external_id = p.deal_id
        where p.connection_id = ${connectionId}
          and not exists (select 1 from forecast_current c where c.deal_id = p.deal_id)
      ) x`.execute(trx);
    await sql`
      delete from forecast_deal_state p where p.connection_id = ${connectionId}
        and not exists (select 1 from forecast_current c where c.deal_id = p.deal_id)`.execute(trx);
    await sql`
      insert into forecast_deal_state (connection_id, deal_id, stage_id, amount, close_date, probability, category, owner_id, seen_at)
      select ${connectionId}, deal_id, stage_id, amount, close_date, probability, category, owner_id, ${at}
      from forecast_current
      on conflict (connection_id, deal_id) do update set
        stage_id = excluded.stage_id, amount = excluded.amount, close_date = excluded.close_date,
        probability = excluded.probability, category = excluded.category, owner_id = excluded.owner_id,
        seen_at = excluded.seen_at
      -- Only deals that changed: rewriting every open deal's row each sync (250k at 1M deals) cost
      -- seconds and made the table look changed to the next compute's fingerprint.
      where (forecast_deal_state.stage_id, forecast_deal_state.amount, forecast_deal_state.close_date,
             forecast_deal_state.probability, forecast_deal_state.category, forecast_deal_state.owner_id)
        is distinct from (excluded.stage_id, excluded.amount, excluded.close_date,
             excluded.probability, excluded.category, excluded.owner_id)`.execute(trx);
    return Number(inserted.numAffectedRows ?? 0);
  });
}
