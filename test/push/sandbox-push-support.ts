import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDate, type Period, periodContaining } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';
import { runCapture } from '../cli/cli-run.js';

/**
 * Helpers for the end-to-end push tests against the HubSpot and Salesforce sandboxes
 * (hubspot-sandbox.test.ts, salesforce-sandbox.test.ts): the warehouse side of the comparison,
 * and quotas imported through the CLI so attainment is not null.
 */

/** Percent points as pushed: rounded to 0.1 (DESIGN §6). */
export const round1 = (value: number): number => Math.round(value * 10) / 10;

/** The fiscal quarter the compute stage writes for `asOf` (a `YYYY-MM-DD` in the connection's zone). */
export function quarterOf(connection: Connection, asOf: string): Period {
  return periodContaining('quarter', asOf, connection);
}

/** Today in a time zone, as `--as-of` takes it. */
export function today(timeZone: string): string {
  return localDate(new Date(), timeZone);
}

/** metric_values of one metric for one period: record id → numeric value (null kept). */
export async function warehouseMetric(
  db: Db,
  connectionId: number,
  object: 'rep' | 'deal',
  metric: string,
  periodKey: string,
): Promise<Map<string, number | null>> {
  const rows = await db
    .selectFrom('metric_values')
    .select(['record_id', 'value_numeric'])
    .where('connection_id', '=', connectionId)
    .where('object', '=', object)
    .where('metric', '=', metric)
    .where('period_key', '=', periodKey)
    .execute();
  return new Map(rows.map((r) => [r.record_id, r.value_numeric === null ? null : Number(r.value_numeric)]));
}

/** Active owners that are people with a CRM user: the reps whose values are pushed. */
export async function activeReps(
  db: Db,
  connectionId: number,
): Promise<{ id: string; userId: string; email: string | null }[]> {
  const rows = await db
    .selectFrom('owners')
    .select(['external_id', 'user_id', 'email'])
    .where('connection_id', '=', connectionId)
    .where('active', '=', true)
    .where('is_queue', '=', false)
    .where('is_deleted', '=', false)
    .where('user_id', 'is not', null)
    .orderBy('external_id')
    .execute();
  return rows.map((r) => ({ id: r.external_id, userId: r.user_id as string, email: r.email }));
}

/**
 * `salesops quotas import` of one quarter-long quota per active rep with an email, except the
 * first `skip` of them (so a rep without quota, whose attainment stays null, is covered too).
 * Amounts 40,000, 45,000, 50,000 … so attainments differ. Returns the reps given a quota.
 */
export async function importQuarterQuotas(options: {
  readonly db: Db;
  readonly connection: Connection;
  readonly quarter: Period;
  readonly env: NodeJS.ProcessEnv;
  readonly skip?: number;
}): Promise<readonly string[]> {
  const reps = (await activeReps(options.db, options.connection.id)).filter((r) => r.email !== null);
  const chosen = reps.slice(options.skip ?? 0);
  const lines = chosen.map(
    (r, i) => `${r.email},${options.quarter.start},${options.quarter.end},${40_000 + 5_000 * (i % 8)}`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'salesops-push-quotas-'));
  try {
    const file = join(dir, 'quotas.csv');
    await writeFile(file, ['owner_email,period_start,period_end,amount', ...lines].join('\n'));
    const result = await runCapture(
      ['quotas', 'import', file, '--connection', options.connection.name, '--json'],
      options.env,
    );
    if (result.code !== 0) throw new Error(`quotas import failed: ${result.stderr}${result.stdout}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return chosen.map((r) => r.id);
}
