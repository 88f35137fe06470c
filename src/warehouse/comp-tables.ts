import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db } from '../db.js';
import type { CompAdjustmentsTable, CompAssignmentsTable, CompPlansTable } from './tables-comp.js';

/**
 * The inputs of compensation that people write (DESIGN §12): plan versions (`comp plan add`),
 * assignments (`comp assign`) and adjustment lines (`comp adjust`, and the restatement and
 * clawback lines the comp step posts). Rows arrive in table shape; what they mean is src/comp's.
 */
export type PlanVersionInsert = Omit<Insertable<CompPlansTable>, 'added_at'>;
export type PlanVersion = Selectable<CompPlansTable>;
export type AssignmentInsert = Omit<Insertable<CompAssignmentsTable>, 'imported_at'>;
export type AssignmentRow = Selectable<CompAssignmentsTable>;
export type AdjustmentInsert = Omit<Insertable<CompAdjustmentsTable>, 'id' | 'posted_at'>;
export type AdjustmentRow = Selectable<CompAdjustmentsTable>;

/** Adds a plan version; the same plan (same hash) added again changes nothing. True when new. */
export async function addPlanVersion(db: Db, row: PlanVersionInsert): Promise<boolean> {
  const inserted = await db
    .insertInto('comp_plans')
    .values(row)
    .onConflict((oc) => oc.columns(['name', 'hash']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * The latest version of each named plan added at or before `before` (DESIGN §12: a period uses
 * the version added before it closed); `before` null = now.
 */
export async function latestPlanVersions(
  db: Db,
  names: readonly string[],
  before: Date | null = null,
): Promise<Map<string, PlanVersion>> {
  if (names.length === 0) return new Map();
  const rows = await sql<PlanVersion>`
    select distinct on (name) name, hash, yaml, parsed, added_at
    from comp_plans
    where name = any(${[...names]}::text[])
      and (${before}::timestamptz is null or added_at <= ${before}::timestamptz)
    order by name, added_at desc, hash`.execute(db);
  return new Map(rows.rows.map((r) => [r.name, r]));
}

/** A plan version by its hash (a closed statement keeps the version it was closed with). */
export async function planVersion(db: Db, name: string, hash: string): Promise<PlanVersion | undefined> {
  return db
    .selectFrom('comp_plans')
    .selectAll()
    .where('name', '=', name)
    .where('hash', '=', hash)
    .executeTakeFirst();
}

/** Every plan name known, for validating an assignments file. */
export async function planNames(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('comp_plans').select('name').distinct().execute();
  return new Set(rows.map((r) => r.name));
}

/**
 * Upserts assignments keyed by (owner, start): a row for the same rep and start replaces the
 * earlier one, and one that is already so is not rewritten (re-importing a file changes
 * nothing). Returns how many rows were inserted or changed.
 */
export async function upsertAssignments(db: Db, rows: readonly AssignmentInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db
    .insertInto('comp_assignments')
    .values([...rows])
    .onConflict((oc) =>
      oc
        .columns(['connection_id', 'owner_id', 'start_date'])
        .doUpdateSet((eb) => ({
          plan_name: eb.ref('excluded.plan_name'),
          end_date: eb.ref('excluded.end_date'),
          target_incentive: eb.ref('excluded.target_incentive'),
          draw: eb.ref('excluded.draw'),
          imported_at: sql`now()`,
        }))
        .where(
          sql<boolean>`(comp_assignments.plan_name, comp_assignments.end_date,
            comp_assignments.target_incentive, comp_assignments.draw)
            is distinct from (excluded.plan_name, excluded.end_date, excluded.target_incentive, excluded.draw)`,
        ),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/** Assignments of the connection overlapping [start, end] (both inclusive). */
export async function assignmentsOverlapping(
  db: Db,
  connectionId: number,
  start: string,
  end: string,
): Promise<AssignmentRow[]> {
  return db
    .selectFrom('comp_assignments')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('start_date', '<=', end)
    .where('end_date', '>=', start)
    .orderBy('owner_id')
    .orderBy('start_date')
    .execute();
}

/**
 * Adds manual lines (`comp adjust`); a line identical to one already posted (rep, period,
 * amount, reason) is not posted twice, so re-importing a file changes nothing. Returns how many
 * were added.
 */
export async function addManualAdjustments(db: Db, rows: readonly AdjustmentInsert[]): Promise<number> {
  let added = 0;
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
      const result = await sql`
        insert into comp_adjustments (connection_id, owner_id, period_key, kind, amount, reason)
        select ${row.connection_id}, ${row.owner_id}, ${row.period_key}, 'manual', ${row.amount}::numeric, ${row.reason}
        where not exists (
          select 1 from comp_adjustments
          where connection_id = ${row.connection_id} and owner_id = ${row.owner_id}
            and period_key = ${row.period_key} and kind = 'manual'
            and amount = ${row.amount}::numeric and reason = ${row.reason})`.execute(trx);
      added += Number(result.numAffectedRows ?? 0n);
    }
  });
  return added;
}

/**
 * Posts restatement and clawback lines (`source_period` set); one per (rep, kind, deal or none,
 * corrected period) ever, so a re-run of the comp step posts nothing new. Returns how many.
 */
export async function postCorrections(db: Db, rows: readonly AdjustmentInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await sql`
    insert into comp_adjustments (connection_id, owner_id, period_key, kind, amount, reason, deal_id, source_period)
    select * from unnest(
      ${rows.map((r) => r.connection_id)}::int[], ${rows.map((r) => r.owner_id)}::text[],
      ${rows.map((r) => r.period_key)}::text[], ${rows.map((r) => r.kind ?? 'manual')}::text[],
      ${rows.map((r) => String(r.amount))}::numeric[], ${rows.map((r) => r.reason)}::text[],
      ${rows.map((r) => r.deal_id ?? null)}::text[], ${rows.map((r) => r.source_period ?? null)}::text[])
    on conflict (connection_id, owner_id, kind, (coalesce(deal_id, '')), source_period)
      where source_period is not null do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Every line posted into a period, oldest first. */
export async function adjustmentsIn(
  db: Db,
  connectionId: number,
  periodKey: string,
): Promise<AdjustmentRow[]> {
  return db
    .selectFrom('comp_adjustments')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('period_key', '=', periodKey)
    .orderBy('id')
    .execute();
}
