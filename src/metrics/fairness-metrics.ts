import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
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
  if (rows.length === 0) return;
  await db
    .insertInto('metric_values')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['connection_id', 'object', 'record_id', 'metric', 'period_key']).doUpdateSet((eb) => ({
        value_numeric: eb.ref('excluded.value_numeric'),
        computed_at: eb.ref('excluded.computed_at'),
        run_id: eb.ref('excluded.run_id'),
      })),
    )
    .execute();
}
