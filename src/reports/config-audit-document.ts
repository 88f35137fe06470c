import type { ConfigAuditRow } from '../warehouse/config-audit.js';

/** The config audit log as a document: who changed what, when, before → after (newest first). */
export type ConfigAuditEntryDocument = {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly entity: string;
  readonly key: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
};

export function configAuditDocument(rows: readonly ConfigAuditRow[]): ConfigAuditEntryDocument[] {
  return rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    entity: r.entity,
    key: r.key,
    action: r.action,
    before: r.before ?? null,
    after: r.after ?? null,
  }));
}
