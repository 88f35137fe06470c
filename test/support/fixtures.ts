import type { Connection } from '../../src/connections/connection-store.js';
import { toConnection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';

/**
 * A connection row for tests that exercise the warehouse directly (no CRM, no credentials).
 * The credentials column holds a marker, not ciphertext: nothing in these tests opens it.
 */
export async function insertConnection(
  db: Db,
  options: {
    readonly name?: string;
    readonly kind?: 'hubspot' | 'salesforce';
    readonly timeZone?: string;
    readonly fiscalYearStartMonth?: number;
    readonly currency?: string;
  } = {},
): Promise<Connection> {
  const row = await db
    .insertInto('connections')
    .values({
      name: options.name ?? `test-${Math.random().toString(36).slice(2, 8)}`,
      kind: options.kind ?? 'hubspot',
      base_url: null,
      login_url: null,
      api_version: null,
      tier: null,
      auth_method: 'private_app',
      credentials_enc: 'test-fixture-no-credentials',
      credentials_key_id: 'none',
      account_id: 'test-account',
      crm_time_zone: options.timeZone ?? 'UTC',
      crm_fiscal_year_start: options.fiscalYearStartMonth ?? 1,
      currency: options.currency ?? 'USD',
      time_zone_override: null,
      fiscal_year_start_override: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toConnection(row);
}
