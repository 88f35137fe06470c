import { userInfo } from 'node:os';
import type { Db } from '../db.js';
import { insertConfigAudit } from '../warehouse/config-audit.js';
import type { ConfigEntity } from '../warehouse/tables-people.js';

/**
 * Who makes a change: a signed-in person (the API) or someone at a shell (the CLI). The audit
 * log stores it as one string, the email or `cli:<os user>`.
 */
export type Actor =
  | { readonly kind: 'person'; readonly email: string }
  | { readonly kind: 'cli'; readonly user: string };

export function cliActor(user: string = osUser()): Actor {
  return { kind: 'cli', user };
}

export function personActor(email: string): Actor {
  return { kind: 'person', email };
}

export function actorLabel(actor: Actor): string {
  return actor.kind === 'person' ? actor.email : `cli:${actor.user}`;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry has no name; its uid still says who.
    return String(process.getuid?.() ?? 'unknown');
  }
}

export interface ConfigChange {
  readonly actor: Actor;
  readonly entity: ConfigEntity;
  /** What was changed, e.g. the connection's name or a person's email. */
  readonly key: string;
  /** e.g. add, set, remove, import, install, assign, adjust, rotate. */
  readonly action: string;
  /** Values a person may read: never a secret. Null when the thing did not exist. */
  readonly before: unknown;
  readonly after: unknown;
  readonly at?: Date;
}

/** One config_audit row; pass the transaction of the change so both commit together. */
export async function recordConfigChange(db: Db, change: ConfigChange): Promise<void> {
  await insertConfigAudit(db, {
    actor: actorLabel(change.actor),
    entity: change.entity,
    key: change.key,
    action: change.action,
    before: change.before,
    after: change.after,
    ...(change.at ? { at: change.at } : {}),
  });
}

/**
 * Makes a change and its audit row in one transaction: reads the value before, applies the
 * change, reads it after, records both. Every surface (CLI, API) passes its own actor, so the
 * log never depends on a surface remembering to write it. Returns what `apply` returns.
 */
export async function auditedChange<T>(
  db: Db,
  change: Pick<ConfigChange, 'actor' | 'entity' | 'key' | 'action'>,
  steps: {
    readonly read: (trx: Db) => Promise<unknown>;
    readonly apply: (trx: Db) => Promise<T>;
  },
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const before = (await steps.read(trx)) ?? null;
    const result = await steps.apply(trx);
    const after = (await steps.read(trx)) ?? null;
    await recordConfigChange(trx, { ...change, before, after });
    return result;
  });
}
