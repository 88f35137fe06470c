import { type Insertable, sql } from 'kysely';
import type { Db } from '../db.js';
import type { OwnersTable, OwnerTeamsTable, PipelinesTable, StagesTable, TeamsTable } from './tables.js';

/**
 * Writes of `owners`, `teams`, `owner_teams`, `pipelines` and `stages`: the people and the
 * pipeline shape every deal points at. A row is rewritten only when it actually differs, so a
 * full re-read of owners each run changes nothing when nothing changed.
 */
export type OwnerInsert = Insertable<OwnersTable>;
export type TeamInsert = Insertable<TeamsTable>;
export type MembershipInsert = Insertable<OwnerTeamsTable> & { readonly is_primary: boolean };
export type PipelineInsert = Insertable<PipelinesTable>;
export type StageInsert = Insertable<StagesTable>;

/** Returns the external ids inserted or changed. */
export async function upsertOwners(trx: Db, rows: readonly OwnerInsert[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const result = await trx
    .insertInto('owners')
    .values([...rows])
    .onConflict((oc) =>
      oc
        .columns(['connection_id', 'external_id'])
        .doUpdateSet((eb) => ({
          email: eb.ref('excluded.email'),
          first_name: eb.ref('excluded.first_name'),
          last_name: eb.ref('excluded.last_name'),
          active: eb.ref('excluded.active'),
          user_id: eb.ref('excluded.user_id'),
          manager_id: eb.ref('excluded.manager_id'),
          is_queue: eb.ref('excluded.is_queue'),
          crm_created_at: eb.ref('excluded.crm_created_at'),
          crm_updated_at: eb.ref('excluded.crm_updated_at'),
          is_deleted: false,
          synced_at: sql`now()`,
        }))
        .where(
          sql<boolean>`(owners.email, owners.first_name, owners.last_name, owners.active, owners.user_id,
            owners.manager_id, owners.is_queue, owners.crm_created_at, owners.crm_updated_at, owners.is_deleted)
          is distinct from (excluded.email, excluded.first_name, excluded.last_name, excluded.active,
            excluded.user_id, excluded.manager_id, excluded.is_queue, excluded.crm_created_at,
            excluded.crm_updated_at, false)`,
        ),
    )
    .returning('external_id')
    .execute();
  return result.map((r) => r.external_id);
}

/** Returns the number of teams inserted or renamed. */
export async function upsertTeams(trx: Db, rows: readonly TeamInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await trx
    .insertInto('teams')
    .values([...rows])
    .onConflict((oc) =>
      oc
        .columns(['connection_id', 'external_id'])
        .doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), synced_at: sql`now()` }))
        .where(sql<boolean>`teams.name is distinct from excluded.name`),
    )
    .execute();
  return result.reduce((sum, r) => sum + Number(r.numInsertedOrUpdatedRows ?? 0n), 0);
}

/**
 * The memberships of these owners become exactly `rows`, counting only actual differences
 * (nothing is rewritten when they are already so).
 */
export async function replaceMemberships(
  trx: Db,
  connectionId: number,
  ownerIds: readonly string[],
  rows: readonly MembershipInsert[],
): Promise<number> {
  const current = await trx
    .selectFrom('owner_teams')
    .select(['owner_id', 'team_id', 'is_primary'])
    .where('connection_id', '=', connectionId)
    .where('owner_id', 'in', [...ownerIds])
    .execute();
  const key = (ownerId: string, teamId: string, primary: boolean) =>
    `${ownerId}\u0000${teamId}\u0000${primary}`;
  const have = new Set(current.map((m) => key(m.owner_id, m.team_id, m.is_primary)));
  const want = new Set(rows.map((m) => key(m.owner_id, m.team_id, m.is_primary)));
  const same = have.size === want.size && [...want].every((k) => have.has(k));
  if (same) return 0;
  await trx
    .deleteFrom('owner_teams')
    .where('connection_id', '=', connectionId)
    .where('owner_id', 'in', [...ownerIds])
    .execute();
  if (rows.length > 0)
    await trx
      .insertInto('owner_teams')
      .values([...rows])
      .onConflict((oc) => oc.doNothing())
      .execute();
  return [...want].filter((k) => !have.has(k)).length + [...have].filter((k) => !want.has(k)).length;
}

/**
 * Pipelines and stages arrive whole: upserts them and marks deleted anything the CRM no longer
 * lists. Returns the number of rows inserted, changed or marked deleted.
 */
export async function replacePipelines(
  trx: Db,
  connectionId: number,
  pipelines: readonly PipelineInsert[],
  stages: readonly StageInsert[],
): Promise<number> {
  if (pipelines.length === 0) return 0;
  let changed = 0;
  const p = await trx
    .insertInto('pipelines')
    .values([...pipelines])
    .onConflict((oc) =>
      oc
        .columns(['connection_id', 'external_id'])
        .doUpdateSet((eb) => ({
          label: eb.ref('excluded.label'),
          display_order: eb.ref('excluded.display_order'),
          is_deleted: false,
          synced_at: sql`now()`,
        }))
        .where(
          sql<boolean>`(pipelines.label, pipelines.display_order, pipelines.is_deleted)
            is distinct from (excluded.label, excluded.display_order, false)`,
        ),
    )
    .returning('external_id')
    .execute();
  changed += p.length;
  if (stages.length > 0) {
    const s = await trx
      .insertInto('stages')
      .values([...stages])
      .onConflict((oc) =>
        oc
          .columns(['connection_id', 'external_id'])
          .doUpdateSet((eb) => ({
            pipeline_id: eb.ref('excluded.pipeline_id'),
            label: eb.ref('excluded.label'),
            display_order: eb.ref('excluded.display_order'),
            probability: eb.ref('excluded.probability'),
            is_closed: eb.ref('excluded.is_closed'),
            is_won: eb.ref('excluded.is_won'),
            forecast_category: eb.ref('excluded.forecast_category'),
            is_deleted: false,
            synced_at: sql`now()`,
          }))
          .where(
            sql<boolean>`(stages.pipeline_id, stages.label, stages.display_order, stages.probability, stages.is_closed,
              stages.is_won, stages.forecast_category, stages.is_deleted)
            is distinct from (excluded.pipeline_id, excluded.label, excluded.display_order, excluded.probability,
              excluded.is_closed, excluded.is_won, excluded.forecast_category, false)`,
          ),
      )
      .returning('external_id')
      .execute();
    changed += s.length;
  }
  const pipelineIds = pipelines.map((pl) => pl.external_id);
  const stageIds = stages.map((st) => st.external_id);
  const gonePipelines = await trx
    .updateTable('pipelines')
    .set({ is_deleted: true })
    .where('connection_id', '=', connectionId)
    .where('is_deleted', '=', false)
    .where('external_id', 'not in', pipelineIds)
    .executeTakeFirst();
  const goneStages = await trx
    .updateTable('stages')
    .set({ is_deleted: true })
    .where('connection_id', '=', connectionId)
    .where('is_deleted', '=', false)
    .where((eb) => (stageIds.length > 0 ? eb('external_id', 'not in', stageIds) : eb.val(true)))
    .executeTakeFirst();
  return changed + Number(gonePipelines.numUpdatedRows) + Number(goneStages.numUpdatedRows);
}

/** Each owner's email and name as the warehouse holds them. */
export async function ownerEmailsAndNames(
  db: Db,
  connectionId: number,
): Promise<{ email: string | null; first_name: string | null; last_name: string | null }[]> {
  return db
    .selectFrom('owners')
    .select(['email', 'first_name', 'last_name'])
    .where('connection_id', '=', connectionId)
    .execute();
}

/** Active reps (no queues) with an email, each with their primary team and the day they joined, by email. */
export async function activeRepsWithTeams(
  db: Db,
  connectionId: number,
  timeZone: string,
): Promise<{ email: string; team: string | null; joined: string | null }[]> {
  const reps = await sql<{ email: string; team: string | null; joined: string | null }>`
    select o.email, t.name as team,
           (o.crm_created_at at time zone ${timeZone})::date::text as joined
    from owners o
    left join owner_teams ot on ot.connection_id = o.connection_id and ot.owner_id = o.external_id and ot.is_primary
    left join teams t on t.connection_id = o.connection_id and t.external_id = ot.team_id
    where o.connection_id = ${connectionId} and o.active and not o.is_queue and o.email is not null
    order by o.email`.execute(db);
  return reps.rows;
}
