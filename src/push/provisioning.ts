import type { Db } from '../db.js';

/**
 * Which field specs were last provisioned on a connection (a hash of them). The push stage
 * calls ensureFields only when this differs — the first push, or after a mapping change — so
 * a connection whose fields exist costs no call; `fields ensure` records it the same way.
 */
export async function isProvisioned(db: Db, connectionId: number, hash: string): Promise<boolean> {
  const row = await db
    .selectFrom('push_connections')
    .select('fields_hash')
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  return row?.fields_hash === hash;
}

export async function recordProvisioned(db: Db, connectionId: number, hash: string): Promise<void> {
  const now = new Date();
  await db
    .insertInto('push_connections')
    .values({ connection_id: connectionId, fields_hash: hash, fields_ensured_at: now })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet({ fields_hash: hash, fields_ensured_at: now }))
    .execute();
}
