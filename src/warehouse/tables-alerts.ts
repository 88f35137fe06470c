import type { ColumnType, Generated } from 'kysely';
import type { DefaultTimestamp, Json, Timestamp } from './column-types.js';

/** The alert tables (migration 20261205_040); `Database` in tables.ts includes them. */

export interface AlertDestinationsTable {
  id: Generated<number>;
  /** Null: the alerts of every connection. */
  connection_id: number | null;
  webhook_url: string;
  created_at: DefaultTimestamp;
}

export type AlertHealth = 'unknown' | 'ok' | 'failed' | 'deferred' | 'stale';

export interface AlertStateTable {
  connection_id: number;
  health: ColumnType<AlertHealth, AlertHealth | undefined, AlertHealth>;
  changed_at: Timestamp | null;
  /** The newest finished run already evaluated: runs up to it never alert again. */
  last_run_id: number | null;
  last_success_at: Timestamp | null;
  quarantine_spike: Generated<boolean>;
  last_alert_kind: string | null;
  last_alert_text: string | null;
  last_alert_at: Timestamp | null;
  evaluated_at: Timestamp | null;
}

export interface AlertDeliveriesTable {
  id: Generated<number>;
  delivery_key: Generated<string>;
  connection_id: number;
  destination_id: number;
  kind: string;
  run_id: number | null;
  /** The Slack-compatible body posted: `{ text, blocks }`. */
  message: Json<unknown>;
  created_at: DefaultTimestamp;
  attempts: Generated<number>;
  delivered_at: Timestamp | null;
  gave_up_at: Timestamp | null;
  last_error: string | null;
}
