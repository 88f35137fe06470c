import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { DefaultTimestamp, Json, Numeric, Timestamp } from './column-types.js';
import type { AlertDeliveriesTable, AlertDestinationsTable, AlertStateTable } from './tables-alerts.js';
import type {
  CompAdjustmentsTable,
  CompAssignmentsTable,
  CompDisputesTable,
  CompPeriodsTable,
  CompPlansTable,
  CompStatementsTable,
  TeamMembershipsTable,
} from './tables-comp.js';
import type {
  ForecastAccuracyTable,
  ForecastDealChangesTable,
  ForecastDealStateTable,
  ForecastSnapshotsTable,
  PushConnectionsTable,
  PushOutboxTable,
  PushResultsTable,
  PushStateTable,
} from './tables-forecast-push.js';
import type { ConfigAuditTable, PayoutReadsTable, PeopleTable } from './tables-people.js';
import type { RoutingDecisionsTable, RoutingRulesTable } from './tables-routing.js';

export type * from './tables-alerts.js';
export type * from './tables-comp.js';
export type * from './tables-forecast-push.js';
export type * from './tables-people.js';
export type * from './tables-routing.js';

/**
 * Kysely's view of the warehouse, kept by hand in step with migrations/ (which never import
 * this file). `numeric` arrives as a string (money stays exact), `date` as `YYYY-MM-DD`,
 * `bigint` as a number (see db.ts), `timestamptz` as a Date.
 */

export interface ConnectionsTable {
  id: Generated<number>;
  name: string;
  kind: 'hubspot' | 'salesforce';
  base_url: string | null;
  login_url: string | null;
  api_version: string | null;
  tier: string | null;
  auth_method: string;
  credentials_enc: string;
  credentials_key_id: string;
  account_id: string | null;
  crm_time_zone: string | null;
  crm_fiscal_year_start: number | null;
  currency: string | null;
  multi_currency: Generated<boolean>;
  time_zone_override: string | null;
  fiscal_year_start_override: number | null;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  removed_at: Timestamp | null;
}

export interface OwnersTable {
  connection_id: number;
  external_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  active: boolean;
  user_id: string | null;
  manager_id: string | null;
  is_queue: Generated<boolean>;
  crm_created_at: Timestamp | null;
  crm_updated_at: Timestamp | null;
  is_deleted: Generated<boolean>;
  synced_at: DefaultTimestamp;
}

export interface TeamsTable {
  connection_id: number;
  external_id: string;
  name: string;
  synced_at: DefaultTimestamp;
}

export interface OwnerTeamsTable {
  connection_id: number;
  owner_id: string;
  team_id: string;
  is_primary: Generated<boolean>;
}

export interface PipelinesTable {
  connection_id: number;
  external_id: string;
  label: string;
  display_order: Generated<number>;
  is_deleted: Generated<boolean>;
  synced_at: DefaultTimestamp;
}

export interface StagesTable {
  connection_id: number;
  external_id: string;
  pipeline_id: string;
  label: string;
  display_order: Generated<number>;
  probability: Numeric | null;
  is_closed: boolean;
  is_won: boolean;
  forecast_category: string | null;
  is_deleted: Generated<boolean>;
  synced_at: DefaultTimestamp;
}

export interface DealsTable {
  connection_id: number;
  external_id: string;
  name: string | null;
  pipeline_id: string | null;
  stage_id: string | null;
  owner_id: string | null;
  amount: Numeric | null;
  currency: string | null;
  amount_home: Numeric | null;
  crm_created_at: Timestamp | null;
  close_at: Timestamp | null;
  close_date: string | null;
  forecast_category: string | null;
  probability: Numeric | null;
  last_modified_at: Timestamp;
  is_deleted: Generated<boolean>;
  deleted_at: Timestamp | null;
  merged_into: string | null;
  /** The company's web domain (migration 20261204_011), for routing's account matching; null: unknown. */
  account_domain: ColumnType<string | null, string | null | undefined, string | null>;
  synced_at: DefaultTimestamp;
  /**
   * First entry into a closed stage by the stage history (migration 20261204_061): set by the page
   * write on insert and kept by triggers on deal_history and stages; writers need not pass it.
   */
  first_closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface DealHistoryTable {
  connection_id: number;
  deal_id: string;
  field: 'stage' | 'owner';
  changed_at: Timestamp;
  /** '' stands for "none" (the primary key cannot hold null). */
  value: string;
  source: ColumnType<string, string | undefined, string>;
}

export interface DealSplitsTable {
  connection_id: number;
  deal_id: string;
  owner_id: string;
  percent: Numeric;
}

export interface LeadsTable {
  connection_id: number;
  external_id: string;
  email: string | null;
  owner_id: string | null;
  assigned_at: Timestamp | null;
  score: Numeric | null;
  rating: string | null;
  source: string | null;
  status: string | null;
  crm_created_at: Timestamp | null;
  last_modified_at: Timestamp;
  is_deleted: Generated<boolean>;
  deleted_at: Timestamp | null;
  synced_at: DefaultTimestamp;
}

export interface LeadAssignmentsTable {
  connection_id: number;
  lead_id: string;
  owner_id: string;
  assigned_at: Timestamp;
  source: 'crm_history' | 'observed';
  recorded_at: DefaultTimestamp;
}

export interface SyncRunCounts {
  owners?: number;
  pipelines?: number;
  deals?: number;
  leads?: number;
  deleted?: number;
  changed?: number;
  quarantined?: number;
  pushedCalls?: number;
  pushedRecords?: number;
  pushFailed?: number;
  [key: string]: number | undefined;
}

export type SyncRunStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'partial'
  | 'deferred'
  | 'failed'
  | 'cancelled';

/** What started a run (migration 20261205_020; 'manual' became 'cli'). */
export type SyncRunTrigger = 'schedule' | 'cli' | 'api' | 'webhook' | 'demo';

export interface SyncRunsTable {
  id: Generated<number>;
  /** Unique across database resets; names the run's queue jobs (migration 20261202_001). */
  run_key: Generated<string>;
  connection_id: number;
  status: SyncRunStatus;
  trigger: ColumnType<SyncRunTrigger, SyncRunTrigger | undefined, SyncRunTrigger>;
  options: ColumnType<Record<string, unknown>, string | undefined, string>;
  stage: string | null;
  counts: ColumnType<SyncRunCounts, string | undefined, string>;
  timings: ColumnType<Record<string, number>, string | undefined, string>;
  error: string | null;
  worker_id: string | null;
  heartbeat_at: Timestamp | null;
  queued_at: DefaultTimestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** Set by `salesops runs cancel`; the pull stops at the next page (migration 20261205_021). */
  cancel_requested_at: Timestamp | null;
}

export interface SyncCheckpointsTable {
  connection_id: number;
  stream: string;
  checkpoint: Json<Record<string, unknown> | null> | null;
  run_id: number | null;
  updated_at: DefaultTimestamp;
}

export interface QuarantinedRecordsTable {
  id: Generated<number>;
  connection_id: number;
  run_id: number | null;
  stream: string;
  external_id: string | null;
  payload: Json<unknown>;
  reason: string;
  created_at: DefaultTimestamp;
}

export interface SchedulesTable {
  connection_id: number;
  cron: string;
  time_zone: string;
  enabled: Generated<boolean>;
  updated_at: DefaultTimestamp;
}

export interface QuotasTable {
  id: Generated<number>;
  connection_id: number;
  owner_id: string | null;
  team_id: string | null;
  /** First day of the month, `YYYY-MM-01`. */
  month: string;
  amount: Numeric;
  currency: string | null;
  source: 'csv' | 'crm';
  source_ref: string | null;
  updated_at: DefaultTimestamp;
}

export interface OwnerSettingsTable {
  id: Generated<number>;
  connection_id: number;
  owner_id: string;
  lead_weight: Numeric;
  available_from: string | null;
  available_to: string | null;
  /** `HH:MM-HH:MM` in `time_zone` (null: the connection's); null = all day (migration 20261204_010). */
  working_hours: string | null;
  time_zone: string | null;
  updated_at: DefaultTimestamp;
}

export interface MetricValuesTable {
  connection_id: number;
  object: 'rep' | 'deal' | 'team' | 'connection';
  record_id: string;
  metric: string;
  period_key: string;
  value_numeric: Numeric | null;
  value_text: string | null;
  computed_at: DefaultTimestamp;
  run_id: number | null;
}

export interface Database {
  connections: ConnectionsTable;
  owners: OwnersTable;
  teams: TeamsTable;
  owner_teams: OwnerTeamsTable;
  pipelines: PipelinesTable;
  stages: StagesTable;
  deals: DealsTable;
  deal_history: DealHistoryTable;
  deal_splits: DealSplitsTable;
  leads: LeadsTable;
  lead_assignments: LeadAssignmentsTable;
  sync_runs: SyncRunsTable;
  sync_checkpoints: SyncCheckpointsTable;
  quarantined_records: QuarantinedRecordsTable;
  schedules: SchedulesTable;
  quotas: QuotasTable;
  owner_settings: OwnerSettingsTable;
  metric_values: MetricValuesTable;
  forecast_deal_state: ForecastDealStateTable;
  forecast_deal_changes: ForecastDealChangesTable;
  forecast_snapshots: ForecastSnapshotsTable;
  forecast_accuracy: ForecastAccuracyTable;
  push_state: PushStateTable;
  push_outbox: PushOutboxTable;
  push_results: PushResultsTable;
  push_connections: PushConnectionsTable;
  routing_rules: RoutingRulesTable;
  routing_decisions: RoutingDecisionsTable;
  comp_plans: CompPlansTable;
  comp_assignments: CompAssignmentsTable;
  comp_adjustments: CompAdjustmentsTable;
  team_memberships: TeamMembershipsTable;
  comp_periods: CompPeriodsTable;
  comp_statements: CompStatementsTable;
  comp_disputes: CompDisputesTable;
  alert_destinations: AlertDestinationsTable;
  alert_state: AlertStateTable;
  alert_deliveries: AlertDeliveriesTable;
  people: PeopleTable;
  config_audit: ConfigAuditTable;
  payout_reads: PayoutReadsTable;
}

export type ConnectionRow = Selectable<ConnectionsTable>;
export type NewConnection = Insertable<ConnectionsTable>;
export type ConnectionUpdate = Updateable<ConnectionsTable>;
export type DealRow = Selectable<DealsTable>;
export type OwnerRow = Selectable<OwnersTable>;
export type SyncRunRow = Selectable<SyncRunsTable>;
