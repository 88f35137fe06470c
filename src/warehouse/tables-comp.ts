import type { ColumnType, Generated } from 'kysely';
import type { DefaultTimestamp, Json, Numeric, Timestamp } from './column-types.js';

/**
 * The compensation tables (migration 20261203_030, DESIGN §12), split from tables.ts so each
 * file stays one idea; `Database` in tables.ts includes them.
 */

export interface CompPlansTable {
  name: string;
  hash: string;
  yaml: string;
  parsed: Json<unknown>;
  added_at: DefaultTimestamp;
}

export interface CompAssignmentsTable {
  connection_id: number;
  owner_id: string;
  plan_name: string;
  start_date: string;
  end_date: string;
  target_incentive: Numeric | null;
  draw: Numeric | null;
  imported_at: DefaultTimestamp;
}

export type CompAdjustmentKind = 'manual' | 'restatement' | 'clawback';

export interface CompAdjustmentsTable {
  id: Generated<number>;
  connection_id: number;
  owner_id: string;
  period_key: string;
  kind: ColumnType<CompAdjustmentKind, CompAdjustmentKind | undefined, CompAdjustmentKind>;
  amount: Numeric;
  reason: string;
  deal_id: string | null;
  source_period: string | null;
  posted_at: DefaultTimestamp;
}

export interface TeamMembershipsTable {
  connection_id: number;
  owner_id: string;
  team_id: string;
  is_primary: boolean;
  valid_from: string;
  /** Exclusive; null while the membership still holds. */
  valid_to: string | null;
}

export interface CompPeriodsTable {
  connection_id: number;
  period_key: string;
  closed_at: DefaultTimestamp;
  forced: Generated<boolean>;
}

export type CompStatementStatus = 'open' | 'approved' | 'closed';

export interface CompStatementsTable {
  connection_id: number;
  period_key: string;
  owner_id: string;
  plan_name: string;
  plan_hash: string;
  document: Json<unknown>;
  inputs: Json<unknown>;
  inputs_hash: string;
  total: Numeric;
  draw_balance: ColumnType<string, string | number | undefined, string | number>;
  status: ColumnType<CompStatementStatus, CompStatementStatus | undefined, CompStatementStatus>;
  approved_at: Timestamp | null;
  computed_at: DefaultTimestamp;
}

export interface CompDisputesTable {
  id: Generated<number>;
  connection_id: number;
  period_key: string;
  owner_id: string;
  line_key: string;
  comment: string;
  opened_at: DefaultTimestamp;
  resolved_at: Timestamp | null;
}
