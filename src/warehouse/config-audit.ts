import type { Db } from '../db.js';
import type { ConfigEntity } from './tables-people.js';

/** `config_audit`: every configuration change, who made it and the values before → after. */
export interface ConfigAuditEntry {
  readonly actor: string;
  readonly entity: ConfigEntity;
  readonly key: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
  /** Defaults to the database's now(). */
  readonly at?: Date;
}

export interface ConfigAuditRow {
  readonly id: number;
  readonly at: Date;
  readonly actor: string;
  readonly entity: ConfigEntity;
  readonly key: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

export async function insertConfigAudit(db: Db, e: ConfigAuditEntry): Promise<number> {
  const row = await db
    .insertInto('config_audit')
    .values({
      actor: e.actor,
      entity: e.entity,
      key: e.key,
      action: e.action,
      before: json(e.before),
      after: json(e.after),
      ...(e.at ? { at: e.at } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Newest first. */
export async function selectConfigAudit(
  db: Db,
  filter: { readonly entity?: ConfigEntity; readonly limit: number },
): Promise<ConfigAuditRow[]> {
  let q = db
    .selectFrom('config_audit')
    .select(['id', 'at', 'actor', 'entity', 'key', 'action', 'before', 'after'])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.entity) q = q.where('entity', '=', filter.entity);
  return q.execute();
}
