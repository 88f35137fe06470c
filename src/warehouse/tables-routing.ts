import type { ColumnType, Generated } from 'kysely';
import type { DefaultTimestamp, Json, Numeric, Timestamp } from './column-types.js';

/** The routing tables (migration 20261203_010); `Database` in tables.ts includes them. */

export interface RoutingRulesTable {
  connection_id: number;
  hash: string;
  /** The canonical rules (routing-model's RoutingRules), as parsed. */
  rules: Json<unknown>;
  installed_at: DefaultTimestamp;
  active: Generated<boolean>;
}

export type WriteOutcome = 'pending' | 'written' | 'rejected' | 'unrouted';

export interface RoutingDecisionsTable {
  connection_id: number;
  lead_id: string;
  hop: Generated<number>;
  decided_at: Timestamp;
  run_id: number | null;
  rules_hash: string;
  pool: string;
  kind: 'rotation' | 'account' | 'sla_reroute';
  /** Every member's MemberStanding at the moment of the decision. */
  members: Json<unknown>;
  chosen_owner_id: string | null;
  chosen_email: string | null;
  unrouted_reason: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  lead_created_at: Timestamp | null;
  write_outcome: ColumnType<WriteOutcome, WriteOutcome | undefined, WriteOutcome>;
  write_error: string | null;
  owner_written_at: Timestamp | null;
  speed_to_lead_seconds: Numeric | null;
}
