import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { upsertNumericMetricValues } from '../warehouse/metric-values.js';
import { auditLeads } from './lead-audit.js';

export const LEAD_SHARE_METRIC = 'salesops_lead_share_vs_expected';

/**
 * Compute stage hook: per rep in the rotation, received ÷ expected leads in percent points for
 * the fiscal quarter containing `asOf` (DESIGN §6), upserted in one statement. Reps with no
 * expected share (outside the rotation) get no value: the ratio is unbounded.
 */
export async function computeFairnessMetrics(
  db: Db,
  connection: Connection,
  options: { readonly asOf: Date; readonly runId: number | null },
): Promise<void> {
  const period = periodContaining('quarter', localDate(options.asOf, connection.timeZone), connection);
  const { audit } = await auditLeads(db, connection, { period, asOf: options.asOf });
  const computedAt = new Date();
  const rows = audit.reps
    .filter((rep) => rep.expected > 0)
    .map((rep) => ({
      connection_id: connection.id,
      object: 'rep' as const,
      record_id: rep.ownerId,
      metric: LEAD_SHARE_METRIC,
      period_key: period.key,
      // Percent points; four decimals keep it exact enough while the push rounds to 0.1.
      value_numeric: ((rep.received / rep.expected) * 100).toFixed(4),
      value_text: null,
      computed_at: computedAt,
      run_id: options.runId,
    }));
  await upsertNumericMetricValues(db, rows);
}
