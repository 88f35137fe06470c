/**
 * The internal shape every sandbox CRM object shares (deals, contacts, users, goal_targets), and
 * its projection to HubSpot's `SimplePublicObject` wire shape.
 */

import { stageProperty } from './stage-properties.js';

export type ObjectType = 'deals' | 'contacts' | 'users' | 'goal_targets';

export const OBJECT_TYPES: readonly ObjectType[] = ['deals', 'contacts', 'users', 'goal_targets'];

/** HubSpot accepts an object's name or its type id in the path; the ids are HubSpot's own. */
const OBJECT_TYPE_ALIASES: Readonly<Record<string, ObjectType>> = {
  deals: 'deals',
  '0-3': 'deals',
  contacts: 'contacts',
  '0-1': 'contacts',
  users: 'users',
  '0-115': 'users',
  goal_targets: 'goal_targets',
  '0-74': 'goal_targets',
};

export function parseObjectType(segment: string): ObjectType | null {
  return OBJECT_TYPE_ALIASES[segment.toLowerCase()] ?? null;
}

export interface HistoryEntry {
  readonly value: string;
  readonly timestamp: number;
  readonly sourceType: string;
  readonly sourceId?: string;
  readonly updatedByUserId?: number;
}

export interface SandboxRecord {
  readonly id: string;
  readonly createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
  readonly properties: Record<string, string | null>;
  /** Oldest first; HubSpot answers newest first. Properties without an entry get one synthesized. */
  readonly history: Record<string, HistoryEntry[]>;
}

export interface ProjectOptions {
  readonly properties: readonly string[];
  readonly propertiesWithHistory: readonly string[];
  /** Properties HubSpot always adds to whatever was asked for. */
  readonly alwaysIncluded: readonly string[];
}

export interface PublicObject {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, WireHistoryEntry[]>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface WireHistoryEntry {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * HubSpot returns every requested property that exists, `null` when it has no value, and
 * silently leaves out names that are not properties of the object.
 */
export function projectRecord(
  record: SandboxRecord,
  options: ProjectOptions,
  exists: (name: string) => boolean,
): PublicObject {
  const properties: Record<string, string | null> = {};
  for (const name of options.alwaysIncluded) properties[name] = record.properties[name] ?? null;
  for (const name of options.properties) {
    // Stage calculated properties are derived from the stage history, never stored.
    if (exists(name))
      properties[name] =
        record.properties[name] ?? stageProperty(record.history['dealstage'] ?? [], name) ?? null;
  }
  const out: PublicObject = {
    id: record.id,
    properties,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    archived: record.archivedAt !== null,
  };
  if (record.archivedAt !== null) out.archivedAt = iso(record.archivedAt);
  if (options.propertiesWithHistory.length > 0) {
    const withHistory: Record<string, WireHistoryEntry[]> = {};
    for (const name of options.propertiesWithHistory) {
      if (!exists(name)) continue;
      withHistory[name] = historyOf(record, name);
    }
    out.propertiesWithHistory = withHistory;
  }
  return out;
}

function historyOf(record: SandboxRecord, name: string): WireHistoryEntry[] {
  const entries = record.history[name];
  if (entries !== undefined && entries.length > 0) {
    const wire: WireHistoryEntry[] = [];
    for (let k = entries.length - 1; k >= 0; k--) wire.push(toWire(entries[k]!));
    return wire;
  }
  const value = record.properties[name];
  if (value === null || value === undefined || value === '') return [];
  return [{ value, timestamp: iso(record.createdAt), sourceType: 'CRM_UI' }];
}

function toWire(entry: HistoryEntry): WireHistoryEntry {
  const wire: WireHistoryEntry = {
    value: entry.value,
    timestamp: iso(entry.timestamp),
    sourceType: entry.sourceType,
  };
  if (entry.sourceId !== undefined) wire.sourceId = entry.sourceId;
  if (entry.updatedByUserId !== undefined) wire.updatedByUserId = entry.updatedByUserId;
  return wire;
}
