import type { ColumnType, Generated } from 'kysely';
import type { DefaultTimestamp, Numeric, Timestamp } from './column-types.js';

/**
 * The forecast (migration 030) and push-back (migration 040) tables, split from tables.ts so each
 * file stays one idea; `Database` in tables.ts includes them.
 */

export interface ForecastDealStateTable {
  connection_id: number;
  deal_id: string;
  stage_id: string | null;
  amount: Numeric | null;
  close_date: string | null;
  probability: Numeric | null;
  category: string | null;
  owner_id: string | null;
  seen_at: Timestamp;
}

export type ForecastChangeField =
  | 'opened'
  | 'closed'
  | 'stage'
  | 'amount'
  | 'close_date'
  | 'probability'
  | 'category'
  | 'owner';

export interface ForecastDealChangesTable {
  id: Generated<number>;
  connection_id: number;
  deal_id: string;
  field: ForecastChangeField;
  old_value: string | null;
  new_value: string | null;
  changed_at: Timestamp;
  run_id: number | null;
  replay: Generated<boolean>;
}

export interface ForecastSnapshotsTable {
  id: Generated<number>;
  connection_id: number;
  period_key: string;
  period_start: string;
  period_end: string;
  as_of: string;
  week: number;
  method: string;
  owner_id: ColumnType<string, string | undefined, string>;
  forecast: Numeric;
  closed_won: Numeric;
  p10: Numeric | null;
  p90: Numeric | null;
  probability_of_quota: Numeric | null;
  replay: Generated<boolean>;
  run_id: number | null;
  taken_at: DefaultTimestamp;
}

export interface ForecastAccuracyTable {
  connection_id: number;
  period_key: string;
  method: string;
  week: number;
  source: 'snapshot' | 'backtest';
  forecast: Numeric;
  actual: Numeric;
  abs_pct_error: number | null;
  bias: number | null;
  period_end: string;
  scored_at: DefaultTimestamp;
}

/** Push-back (migration 040): rounded canonical text values per record and neutral field name. */
export interface PushStateTable {
  connection_id: number;
  object: 'rep' | 'deal' | 'lead';
  record_id: string;
  field: string;
  value: string | null;
  accepted_at: DefaultTimestamp;
  run_id: number | null;
}

export interface PushOutboxTable {
  connection_id: number;
  object: 'rep' | 'deal' | 'lead';
  record_id: string;
  field: string;
  kind: 'number' | 'text';
  value: string | null;
  previous: string | null;
  resend: Generated<boolean>;
  attempts: Generated<number>;
  last_error: string | null;
  last_attempt_run: number | null;
  queued_at: DefaultTimestamp;
  run_id: number | null;
}

export type PushOutcome = 'written' | 'rejected' | 'preview';

export interface PushResultsTable {
  id: Generated<number>;
  connection_id: number;
  run_id: number;
  object: 'rep' | 'deal' | 'lead';
  record_id: string;
  target_id: string | null;
  field: string;
  value: string | null;
  previous: string | null;
  outcome: PushOutcome;
  reason: string | null;
  attempt: Generated<number>;
  created_at: DefaultTimestamp;
}

export interface PushConnectionsTable {
  connection_id: number;
  fields_hash: string | null;
  fields_ensured_at: Timestamp | null;
  last_full_resend_at: Timestamp | null;
}
