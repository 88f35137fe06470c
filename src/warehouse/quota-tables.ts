import { sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * Writes of `quotas` that come from the CRM (source 'crm'). CSV rows for the same owner and
 * month win at read time, so the CRM's are stored as it says them.
 */
export interface CrmQuotaMonth {
  readonly connection_id: number;
  readonly owner_id: string | null;
  readonly team_id: string | null;
  /** First day of the month, `YYYY-MM-01`. */
  readonly month: string;
  readonly amount: string;
  readonly currency: string | null;
  readonly source: 'crm';
  readonly source_ref: string;
}

/** Returns the number of month rows inserted or changed. */
export async function upsertCrmQuotaMonths(db: Db, months: readonly CrmQuotaMonth[]): Promise<number> {
  let changed = 0;
  for (let i = 0; i < months.length; i += 1000) {
    const chunk = months.slice(i, i + 1000);
    const result = await sql<{ n: number }>`
      insert into quotas (connection_id, owner_id, team_id, month, amount, currency, source, source_ref)
      select * from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as r(
        connection_id int, owner_id text, team_id text, month date, amount numeric, currency text, source text, source_ref text)
      on conflict (connection_id, coalesce(owner_id, ''), coalesce(team_id, ''), month, source)
      do update set amount = excluded.amount, currency = excluded.currency, source_ref = excluded.source_ref, updated_at = now()
      where (quotas.amount, quotas.currency) is distinct from (excluded.amount, excluded.currency)
      returning 1 as n`.execute(db);
    changed += result.rows.length;
  }
  return changed;
}
