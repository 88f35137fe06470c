import { sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * Refreshes the planner's statistics of the tables a pull writes. A first sync or a big backfill
 * changes their shape faster than autovacuum notices; the compute stage right after would be
 * planned on empty-table statistics (nested loops over thousands of rows). Sampling costs well
 * under a second even at a million rows.
 */
export async function analyzePulledTables(db: Db): Promise<void> {
  await sql`analyze owners, owner_teams, stages, deals, deal_history, deal_splits, leads, lead_assignments, quotas`.execute(
    db,
  );
}
