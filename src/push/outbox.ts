import { z } from 'zod';
import type { FieldType } from '../../connectors/connector.js';
import { localDate, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { diffPushOutbox, type OutboxCounts, type OutboxField } from '../warehouse/push-tables.js';
import { mappedFields, sendKind } from './field-specs.js';

/**
 * The push stage's first step: diff the values compute wrote to `metric_values` against what
 * the CRM last accepted (`push_state`) and keep `push_outbox` equal to "what still has to be
 * written" (one set-based statement in warehouse/push-tables.ts).
 *
 * Values are compared rounded to what the CRM can show (percent 0.1, money cents, dates as
 * dates, text as is), so a value that moves by less than that never queues a write. A row that
 * became equal to the accepted value again, or whose metric or field is gone (deal closed,
 * mapping switched off), leaves the outbox.
 *
 * Rep-level values describe the fiscal quarter containing the as-of day, so under `--as-of` the
 * replayed quarter is what is queued and pushed. The periodic full resend follows the wall clock,
 * not the as-of day, and never runs in a replay: a replay repeats a past day, it is not the
 * moment to repair manual edits.
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

/** What the CRM can show of each type: the precision values are compared and sent at. */
const ROUNDING: Readonly<Record<FieldType, Pick<OutboxField, 'digits' | 'chars'>>> = {
  percent: { digits: 1, chars: null },
  currency: { digits: 2, chars: null },
  number: { digits: 2, chars: null },
  date: { digits: null, chars: 10 },
  text: { digits: null, chars: null },
};

export async function computeOutbox(
  db: Db,
  connection: Connection,
  options: OutboxOptions,
): Promise<OutboxCounts> {
  const quarter = periodContaining('quarter', localDate(options.asOf, connection.timeZone), connection);
  return diffPushOutbox(db, {
    connectionId: connection.id,
    periodKey: quarter.key,
    runId: options.runId,
    fields: mappedFields(connection).map((f) => ({
      metric: f.metric,
      object: f.object,
      field: f.field,
      kind: sendKind(f.type),
      ...ROUNDING[f.type],
    })),
    resendDays: fullResendDays(connection),
    replay: options.replay,
  });
}
