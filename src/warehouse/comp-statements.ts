import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db } from '../db.js';
import type { CompDisputesTable, CompPeriodsTable, CompStatementsTable } from './tables-comp.js';

/**
 * Statements and their life (DESIGN §12): computed (open), approved by a manager, disputed line
 * by line, closed with their period. A closed statement is never rewritten: that rule lives here,
 * in the only writer, so no caller can break it.
 */
export type StatementInsert = Omit<Insertable<CompStatementsTable>, 'status' | 'approved_at' | 'computed_at'>;
export type StatementRow = Selectable<CompStatementsTable>;
export type DisputeRow = Selectable<CompDisputesTable>;
export type PeriodCloseRow = Selectable<CompPeriodsTable>;

/**
 * Stores computed statements. An open or approved statement is replaced when its inputs changed
 * (an approved one goes back to open: the manager approved other numbers); a closed one is left
 * as it is. Returns how many were inserted or replaced.
 */
export async function saveStatements(db: Db, rows: readonly StatementInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db
    .insertInto('comp_statements')
    .values([...rows])
    .onConflict((oc) =>
      oc
        .columns(['connection_id', 'period_key', 'owner_id'])
        .doUpdateSet((eb) => ({
          plan_name: eb.ref('excluded.plan_name'),
          plan_hash: eb.ref('excluded.plan_hash'),
          document: eb.ref('excluded.document'),
          inputs: eb.ref('excluded.inputs'),
          inputs_hash: eb.ref('excluded.inputs_hash'),
          total: eb.ref('excluded.total'),
          draw_balance: eb.ref('excluded.draw_balance'),
          status: 'open',
          approved_at: null,
          computed_at: sql`now()`,
        }))
        .where('comp_statements.status', '<>', 'closed')
        .where(sql<boolean>`comp_statements.inputs_hash is distinct from excluded.inputs_hash`),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/** The statements of a period, by owner; `ownerIds` null = all. */
export async function statementsIn(
  db: Db,
  connectionId: number,
  periodKey: string,
  ownerIds: readonly string[] | null = null,
): Promise<StatementRow[]> {
  let query = db
    .selectFrom('comp_statements')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('period_key', '=', periodKey);
  if (ownerIds !== null) {
    if (ownerIds.length === 0) return [];
    query = query.where('owner_id', 'in', [...ownerIds]);
  }
  return query.orderBy('owner_id').execute();
}

/** Approves the open statements of a period (`ownerIds` null = all). Returns how many. */
export async function approveStatements(
  db: Db,
  connectionId: number,
  periodKey: string,
  ownerIds: readonly string[] | null = null,
): Promise<number> {
  if (ownerIds !== null && ownerIds.length === 0) return 0;
  let query = db
    .updateTable('comp_statements')
    .set({ status: 'approved', approved_at: sql`now()` })
    .where('connection_id', '=', connectionId)
    .where('period_key', '=', periodKey)
    .where('status', '=', 'open');
  if (ownerIds !== null) query = query.where('owner_id', 'in', [...ownerIds]);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Opens a dispute on one line of a rep's statement; returns its id. */
export async function openDispute(
  db: Db,
  row: Omit<Insertable<CompDisputesTable>, 'id' | 'opened_at' | 'resolved_at'>,
): Promise<number> {
  const inserted = await db.insertInto('comp_disputes').values(row).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

export async function openDisputes(db: Db, connectionId: number, periodKey: string): Promise<DisputeRow[]> {
  return db
    .selectFrom('comp_disputes')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('period_key', '=', periodKey)
    .where('resolved_at', 'is', null)
    .orderBy('id')
    .execute();
}

export type CloseResult =
  | { readonly closed: true; readonly statements: number; readonly forced: boolean }
  | { readonly closed: false; readonly reason: 'open_disputes'; readonly openDisputes: number }
  | { readonly closed: false; readonly reason: 'already_closed' };

/**
 * Closes a period: refuses while disputes are open unless `force` (DESIGN §12), then freezes its
 * statements. One transaction holding the period's row, so a dispute opened meanwhile is seen.
 */
export async function closePeriod(
  db: Db,
  connectionId: number,
  periodKey: string,
  force: boolean,
): Promise<CloseResult> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('comp_close'), ${connectionId})`.execute(trx);
    const already = await trx
      .selectFrom('comp_periods')
      .select('period_key')
      .where('connection_id', '=', connectionId)
      .where('period_key', '=', periodKey)
      .executeTakeFirst();
    if (already) return { closed: false, reason: 'already_closed' } as const;
    const disputes = (await openDisputes(trx, connectionId, periodKey)).length;
    if (disputes > 0 && !force)
      return { closed: false, reason: 'open_disputes', openDisputes: disputes } as const;
    await trx
      .insertInto('comp_periods')
      .values({ connection_id: connectionId, period_key: periodKey, forced: disputes > 0 })
      .execute();
    const frozen = await trx
      .updateTable('comp_statements')
      .set({ status: 'closed' })
      .where('connection_id', '=', connectionId)
      .where('period_key', '=', periodKey)
      .executeTakeFirst();
    return { closed: true, statements: Number(frozen.numUpdatedRows), forced: disputes > 0 } as const;
  });
}

/** The closed periods of a connection, by key. */
export async function closedPeriods(db: Db, connectionId: number): Promise<Map<string, PeriodCloseRow>> {
  const rows = await db
    .selectFrom('comp_periods')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .execute();
  return new Map(rows.map((r) => [r.period_key, r]));
}
