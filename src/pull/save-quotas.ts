import type { Quota } from '../../connectors/connector.js';
import type { Db } from '../db.js';
import { centsToDecimal, toCents } from '../warehouse/money.js';
import { spreadQuota, upsertCrmQuotaMonths } from '../warehouse/quotas.js';

/**
 * CRM quotas (HubSpot goal targets, Salesforce ForecastingQuota) at month grain, source 'crm'.
 * Returns the number of month rows inserted or changed.
 */
export async function saveCrmQuotas(
  db: Db,
  connectionId: number,
  quotas: readonly Quota[],
  holidays: readonly string[],
): Promise<number> {
  const rows = quotas.flatMap((q) => {
    const cents = toCents(q.amount);
    if (cents === null || (q.ownerId === null) === (q.teamId === null)) return [];
    return spreadQuota(q.periodStart, q.periodEnd, cents, holidays).map((share) => ({
      connection_id: connectionId,
      owner_id: q.ownerId,
      team_id: q.teamId,
      month: share.month,
      amount: centsToDecimal(share.cents),
      currency: q.currency,
      source: 'crm' as const,
      source_ref: q.externalId,
    }));
  });
  // Several goals can land on one owner-month (e.g. a monthly and a quarterly goal): sum them.
  const merged = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const key = `${row.owner_id ?? ''}|${row.team_id ?? ''}|${row.month}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, row);
    else {
      const total = (toCents(seen.amount) ?? 0n) + (toCents(row.amount) ?? 0n);
      merged.set(key, {
        ...seen,
        amount: centsToDecimal(total),
        source_ref: `${seen.source_ref},${row.source_ref}`,
      });
    }
  }
  if (merged.size === 0) return 0;
  return upsertCrmQuotaMonths(db, [...merged.values()]);
}
