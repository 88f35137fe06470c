import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * `compute_fingerprints` (migration 20261203_010): per connection and compute step, a digest of
 * what the step last computed from, so a sync that changed none of it skips the step. Only this
 * module writes it.
 *
 * A table's version is (rows, newest and summed writing transaction id) over the connection's
 * rows. Any insert or update gives a row a new xmin, above every older one, and a delete lowers
 * the count, so the version moves with every write whoever the writer is (pull pages, COPY and
 * merge, CSV imports, merges of deals), with no trigger and no column the writers must keep.
 * Writers that rewrite unchanged rows defeat the skip (the step then simply recomputes), which
 * DESIGN §4 already forbids ("only rows newer and different").
 */

/** The tables a compute step may declare as inputs; all but `SHARED_TABLES` have a connection_id column. */
export const FINGERPRINT_TABLES = [
  'deals',
  'deal_history',
  'deal_splits',
  'stages',
  'pipelines',
  'owners',
  'teams',
  'owner_teams',
  'quotas',
  'owner_settings',
  'leads',
  'lead_assignments',
  'forecast_accuracy',
  'forecast_snapshots',
  'forecast_deal_state',
  'forecast_deal_changes',
  'comp_assignments',
  'comp_adjustments',
  'comp_periods',
  'comp_statements',
  'team_memberships',
  // Plan versions are shared by every connection: versioned over the whole table.
  'comp_plans',
] as const;
export type FingerprintTable = (typeof FINGERPRINT_TABLES)[number];

/** Tables without a connection_id column, whose version is taken over all their rows. */
const SHARED_TABLES: ReadonlySet<FingerprintTable> = new Set(['comp_plans']);

/** Each table's version for the connection, read in parallel (one scan of the connection's rows each). */
export async function tableVersions(
  db: Db,
  connectionId: number,
  tables: readonly FingerprintTable[],
): Promise<Map<FingerprintTable, string>> {
  const versions = await Promise.all(
    tables.map(async (table) => {
      const { rows } = await sql<{ version: string }>`
        select count(*) || ':' || coalesce(max(xmin::text::bigint), 0) || ':' || coalesce(sum(xmin::text::bigint), 0)
          as version
        from ${sql.table(table)}
        ${SHARED_TABLES.has(table) ? sql`` : sql`where connection_id = ${connectionId}`}`.execute(db);
      return [table, rows[0]?.version ?? ''] as const;
    }),
  );
  return new Map(versions);
}

/** A digest of the parts, in order (each part is already a string). */
export function fingerprintOf(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest('hex');
}

export async function storedFingerprints(db: Db, connectionId: number): Promise<Map<string, string>> {
  const { rows } = await sql<{ step: string; fingerprint: string }>`
    select step, fingerprint from compute_fingerprints where connection_id = ${connectionId}`.execute(db);
  return new Map(rows.map((r) => [r.step, r.fingerprint]));
}

export async function saveFingerprint(
  db: Db,
  connectionId: number,
  step: string,
  fingerprint: string,
  runId: number | null,
): Promise<void> {
  await sql`
    insert into compute_fingerprints (connection_id, step, fingerprint, run_id, computed_at)
    values (${connectionId}, ${step}, ${fingerprint}, ${runId}, now())
    on conflict (connection_id, step) do update set
      fingerprint = excluded.fingerprint, run_id = excluded.run_id, computed_at = excluded.computed_at`.execute(
    db,
  );
}

/** Forgets a connection's fingerprints: its next compute runs every step. */
export async function clearFingerprints(db: Db, connectionId: number): Promise<void> {
  await sql`delete from compute_fingerprints where connection_id = ${connectionId}`.execute(db);
}
