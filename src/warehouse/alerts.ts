import { sql } from 'kysely';
import type { Db } from '../db.js';
import type { AlertHealth } from './tables.js';

/**
 * `alert_destinations`, `alert_state` and `alert_deliveries`: where alerts go, what each
 * connection's state was when last evaluated, and one row per message and destination. The
 * evaluation of a connection runs in one transaction holding its state row (`lockAlertState`), so
 * two workers evaluating the same connection at once announce a change once.
 */
export interface AlertDestination {
  readonly id: number;
  readonly connectionId: number | null;
  /** Null for a destination of every connection. */
  readonly connectionName: string | null;
  readonly webhookUrl: string;
  readonly createdAt: Date;
}

/** Adds a destination; false when the same URL was already set for the same scope. */
export async function addAlertDestination(
  db: Db,
  connectionId: number | null,
  webhookUrl: string,
): Promise<boolean> {
  const inserted = await sql<{ id: number }>`
    insert into alert_destinations (connection_id, webhook_url) values (${connectionId}, ${webhookUrl})
    on conflict (coalesce(connection_id, 0), webhook_url) do nothing
    returning id`.execute(db);
  return inserted.rows.length > 0;
}

/** False when no destination had that URL in that scope. */
export async function removeAlertDestination(
  db: Db,
  connectionId: number | null,
  webhookUrl: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('alert_destinations')
    .where('webhook_url', '=', webhookUrl)
    .where(sql<number>`coalesce(connection_id, 0)`, '=', connectionId ?? 0)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Every destination, the all-connections ones first, then by connection name. */
export async function listAlertDestinations(db: Db): Promise<AlertDestination[]> {
  const rows = await db
    .selectFrom('alert_destinations')
    .leftJoin('connections', 'connections.id', 'alert_destinations.connection_id')
    .select([
      'alert_destinations.id',
      'alert_destinations.connection_id',
      'connections.name',
      'alert_destinations.webhook_url',
      'alert_destinations.created_at',
    ])
    .orderBy(sql`connections.name nulls first`)
    .orderBy('alert_destinations.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    connectionId: r.connection_id,
    connectionName: r.name,
    webhookUrl: r.webhook_url,
    createdAt: r.created_at,
  }));
}

/** The destinations a connection's alerts go to: its own and the all-connections ones. */
export async function destinationsFor(
  db: Db,
  connectionId: number,
): Promise<{ id: number; webhookUrl: string }[]> {
  const rows = await db
    .selectFrom('alert_destinations')
    .select(['id', 'webhook_url'])
    .where((eb) => eb.or([eb('connection_id', '=', connectionId), eb('connection_id', 'is', null)]))
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, webhookUrl: r.webhook_url }));
}

export interface StoredAlertState {
  readonly health: AlertHealth;
  readonly changedAt: Date | null;
  readonly lastRunId: number | null;
  readonly lastSuccessAt: Date | null;
  readonly quarantineSpike: boolean;
}

/** The connection's state row, created if missing, locked until the transaction ends. */
export async function lockAlertState(trx: Db, connectionId: number): Promise<StoredAlertState> {
  await trx
    .insertInto('alert_state')
    .values({ connection_id: connectionId })
    .onConflict((oc) => oc.column('connection_id').doNothing())
    .execute();
  const row = await trx
    .selectFrom('alert_state')
    .select(['health', 'changed_at', 'last_run_id', 'last_success_at', 'quarantine_spike'])
    .where('connection_id', '=', connectionId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return {
    health: row.health,
    changedAt: row.changed_at,
    lastRunId: row.last_run_id,
    lastSuccessAt: row.last_success_at,
    quarantineSpike: row.quarantine_spike,
  };
}

export interface NewAlertDelivery {
  readonly destinationId: number;
  readonly kind: string;
  readonly runId: number | null;
  readonly message: unknown;
}

/**
 * Stores an evaluation: the new state, the last message announced (if any), and a delivery row
 * per message and destination. Returns the deliveries (id and key), for the delivery jobs.
 */
export async function saveAlertEvaluation(
  trx: Db,
  connectionId: number,
  state: StoredAlertState,
  evaluatedAt: Date,
  lastAlert: { readonly kind: string; readonly text: string; readonly at: Date } | null,
  deliveries: readonly NewAlertDelivery[],
): Promise<DeliveryRef[]> {
  await trx
    .updateTable('alert_state')
    .set({
      health: state.health,
      changed_at: state.changedAt,
      last_run_id: state.lastRunId,
      last_success_at: state.lastSuccessAt,
      quarantine_spike: state.quarantineSpike,
      evaluated_at: evaluatedAt,
      ...(lastAlert && {
        last_alert_kind: lastAlert.kind,
        last_alert_text: lastAlert.text,
        last_alert_at: lastAlert.at,
      }),
    })
    .where('connection_id', '=', connectionId)
    .execute();
  if (deliveries.length === 0) return [];
  const rows = await trx
    .insertInto('alert_deliveries')
    .values(
      deliveries.map((d) => ({
        connection_id: connectionId,
        destination_id: d.destinationId,
        kind: d.kind,
        run_id: d.runId,
        message: JSON.stringify(d.message),
      })),
    )
    .returning(['id', 'delivery_key'])
    .execute();
  return rows.map((r) => ({ id: Number(r.id), key: r.delivery_key }));
}

/** A delivery row as its job names it. */
export interface DeliveryRef {
  readonly id: number;
  readonly key: string;
}

export interface PendingDelivery {
  readonly id: number;
  readonly webhookUrl: string;
  readonly message: unknown;
  readonly done: boolean;
}

export async function getAlertDelivery(db: Db, id: number): Promise<PendingDelivery | undefined> {
  const row = await db
    .selectFrom('alert_deliveries')
    .innerJoin('alert_destinations', 'alert_destinations.id', 'alert_deliveries.destination_id')
    .select([
      'alert_deliveries.id',
      'alert_destinations.webhook_url',
      'alert_deliveries.message',
      'alert_deliveries.delivered_at',
      'alert_deliveries.gave_up_at',
    ])
    .where('alert_deliveries.id', '=', id)
    .executeTakeFirst();
  return row
    ? {
        id: Number(row.id),
        webhookUrl: row.webhook_url,
        message: row.message,
        done: row.delivered_at !== null || row.gave_up_at !== null,
      }
    : undefined;
}

export async function recordAlertDelivery(
  db: Db,
  id: number,
  outcome: { readonly delivered: boolean; readonly attempts: number; readonly error: string | null },
): Promise<void> {
  await db
    .updateTable('alert_deliveries')
    .set({
      attempts: sql`attempts + ${outcome.attempts}`,
      last_error: outcome.error,
      ...(outcome.delivered ? { delivered_at: sql`now()` } : { gave_up_at: sql`now()` }),
    })
    .where('id', '=', id)
    .execute();
}

/** Deliveries neither sent nor given up, created before `before` (their job was lost). */
export async function strandedAlertDeliveries(db: Db, before: Date): Promise<DeliveryRef[]> {
  const rows = await db
    .selectFrom('alert_deliveries')
    .select(['id', 'delivery_key'])
    .where('delivered_at', 'is', null)
    .where('gave_up_at', 'is', null)
    .where('created_at', '<', before)
    .orderBy('id')
    .limit(500)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), key: r.delivery_key }));
}

export interface ConnectionAlertState {
  readonly connectionId: number;
  readonly name: string;
  readonly health: AlertHealth;
  readonly changedAt: Date | null;
  readonly lastAlertKind: string | null;
  readonly lastAlertText: string | null;
  readonly lastAlertAt: Date | null;
}

/** Each connection not removed with its alert state (health `unknown` before the first evaluation). */
export async function listAlertStates(db: Db): Promise<ConnectionAlertState[]> {
  const rows = await db
    .selectFrom('connections')
    .leftJoin('alert_state', 'alert_state.connection_id', 'connections.id')
    .select([
      'connections.id',
      'connections.name',
      'alert_state.health',
      'alert_state.changed_at',
      'alert_state.last_alert_kind',
      'alert_state.last_alert_text',
      'alert_state.last_alert_at',
    ])
    .where('connections.removed_at', 'is', null)
    .orderBy('connections.name')
    .execute();
  return rows.map((r) => ({
    connectionId: r.id,
    name: r.name,
    health: r.health ?? 'unknown',
    changedAt: r.changed_at,
    lastAlertKind: r.last_alert_kind,
    lastAlertText: r.last_alert_text,
    lastAlertAt: r.last_alert_at,
  }));
}

/** Connections with an enabled schedule (the ones that can go stale), not removed. */
export async function scheduledConnectionIds(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('schedules')
    .innerJoin('connections', 'connections.id', 'schedules.connection_id')
    .select('schedules.connection_id')
    .where('schedules.enabled', '=', true)
    .where('connections.removed_at', 'is', null)
    .orderBy('schedules.connection_id')
    .execute();
  return rows.map((r) => r.connection_id);
}

/** A connection's name, for the message (removed connections keep theirs). */
export async function connectionName(db: Db, connectionId: number): Promise<string> {
  const row = await db
    .selectFrom('connections')
    .select('name')
    .where('id', '=', connectionId)
    .executeTakeFirst();
  return row?.name ?? `connection ${connectionId}`;
}
