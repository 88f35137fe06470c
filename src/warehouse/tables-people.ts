import type { ColumnType, Generated } from 'kysely';
import type { DefaultTimestamp, Timestamp } from './column-types.js';

/** People, the config audit log and payout reads (migration 20261205_050); in `Database`. */

export type Role = 'admin' | 'ops' | 'manager' | 'rep';

export interface PeopleTable {
  id: Generated<number>;
  /** Lower-cased and trimmed (a check constraint holds it). */
  email: string;
  role: Role;
  /** The teams a manager manages, by CRM team id or name. */
  teams: ColumnType<string[], string[] | undefined, string[]>;
  /** sha256 hex of the token; the token itself is never stored. */
  token_hash: string;
  token_expires_at: Timestamp;
  created_at: DefaultTimestamp;
  removed_at: Timestamp | null;
}

export const CONFIG_ENTITIES = [
  'connection',
  'schedule',
  'quota',
  'rep_setting',
  'routing_rules',
  'plan',
  'assignment',
  'adjustment',
  'field_mapping',
  'person',
] as const;
export type ConfigEntity = (typeof CONFIG_ENTITIES)[number];

export interface ConfigAuditTable {
  id: Generated<number>;
  at: DefaultTimestamp;
  /** A person's email, or `cli:<os user>`. */
  actor: string;
  entity: ConfigEntity;
  key: string;
  action: string;
  before: ColumnType<unknown, string | null, string | null>;
  after: ColumnType<unknown, string | null, string | null>;
}

export interface PayoutReadsTable {
  id: Generated<number>;
  at: DefaultTimestamp;
  reader: string;
  connection_id: number;
  owner_id: string;
  period_key: string | null;
}
