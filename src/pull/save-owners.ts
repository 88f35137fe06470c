import { sql } from 'kysely';
import type { Owner, Page, Pipeline, RejectedRecord } from '../../connectors/connector.js';
import type { Db } from '../db.js';
import { countPageInRun, quarantine, type Trx, validatePage } from './page-writer.js';
import { ownerSchema, pipelineSchema, reasonOf } from './record-schemas.js';
import type { PageCounts, StreamTarget } from './save-deals.js';

/** Owners and their team memberships, one page per transaction; owners are re-read in full each run. */
export async function saveOwnerPage(db: Db, target: StreamTarget, page: Page<Owner>): Promise<PageCounts> {
  const { valid, rejected: invalid } = validatePage(page.records, ownerSchema, (o) => o.updatedAt);
  // Records the connector itself could not map are quarantined alongside those that fail here.
  const rejected = [...page.rejected, ...invalid];
  return db.transaction().execute(async (trx) => {
    let changed = 0;
    const changedIds: string[] = [];
    if (valid.length > 0) {
      const result = await trx
        .insertInto('owners')
        .values(
          valid.map((o) => ({
            connection_id: target.connectionId,
            external_id: o.externalId,
            email: o.email?.toLowerCase() ?? null,
            first_name: o.firstName,
            last_name: o.lastName,
            active: o.active,
            user_id: o.userId,
            manager_id: o.managerId,
            is_queue: o.isQueue,
            crm_created_at: o.createdAt,
            crm_updated_at: o.updatedAt,
            is_deleted: false,
          })),
        )
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
      changed += result.length;
      changedIds.push(...result.map((r) => r.external_id));

      const teams = new Map<string, string>();
      for (const owner of valid) for (const team of owner.teams) teams.set(team.externalId, team.name);
      if (teams.size > 0) {
        const teamResult = await trx
          .insertInto('teams')
          .values(
            [...teams].map(([externalId, name]) => ({
              connection_id: target.connectionId,
              external_id: externalId,
              name,
            })),
          )
          .onConflict((oc) =>
            oc
              .columns(['connection_id', 'external_id'])
              .doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), synced_at: sql`now()` }))
              .where(sql<boolean>`teams.name is distinct from excluded.name`),
          )
          .execute();
        changed += teamResult.reduce((sum, r) => sum + Number(r.numInsertedOrUpdatedRows ?? 0n), 0);
      }
      changed += await replaceMemberships(trx, target.connectionId, valid);
    }
    await quarantine(trx, target.connectionId, target.runId, 'owners', rejected);
    const counts = { read: valid.length, changed, deleted: 0, quarantined: rejected.length, changedIds };
    await countPageInRun(trx, target.runId, 'owners', counts);
    return counts;
  });
}

/** Memberships are replaced per owner, counting only actual differences. */
async function replaceMemberships(trx: Trx, connectionId: number, owners: readonly Owner[]): Promise<number> {
  const ids = owners.map((o) => o.externalId);
  const current = await trx
    .selectFrom('owner_teams')
    .select(['owner_id', 'team_id', 'is_primary'])
    .where('connection_id', '=', connectionId)
    .where('owner_id', 'in', ids)
    .execute();
  const key = (ownerId: string, teamId: string, primary: boolean) =>
    `${ownerId}\u0000${teamId}\u0000${primary}`;
  const have = new Set(current.map((m) => key(m.owner_id, m.team_id, m.is_primary)));
  const want = new Set(owners.flatMap((o) => o.teams.map((t) => key(o.externalId, t.externalId, t.primary))));
  const same = have.size === want.size && [...want].every((k) => have.has(k));
  if (same) return 0;
  await trx
    .deleteFrom('owner_teams')
    .where('connection_id', '=', connectionId)
    .where('owner_id', 'in', ids)
    .execute();
  const rows = owners.flatMap((o) =>
    o.teams.map((t) => ({
      connection_id: connectionId,
      owner_id: o.externalId,
      team_id: t.externalId,
      is_primary: t.primary,
    })),
  );
  if (rows.length > 0)
    await trx
      .insertInto('owner_teams')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
  return [...want].filter((k) => !have.has(k)).length + [...have].filter((k) => !want.has(k)).length;
}

/** Pipelines and stages arrive whole; anything the CRM no longer lists is marked deleted. */
export async function savePipelines(
  db: Db,
  target: StreamTarget,
  pipelines: readonly Pipeline[],
): Promise<PageCounts> {
  const valid: Pipeline[] = [];
  const rejected: RejectedRecord[] = [];
  for (const pipeline of pipelines) {
    const parsed = pipelineSchema.safeParse(pipeline);
    if (parsed.success) valid.push(parsed.data);
    else
      rejected.push({
        externalId: pipeline?.externalId ?? null,
        payload: pipeline,
        reason: reasonOf(parsed.error),
      });
  }
  return db.transaction().execute(async (trx) => {
    let changed = 0;
    if (valid.length > 0) {
      const p = await trx
        .insertInto('pipelines')
        .values(
          valid.map((pl) => ({
            connection_id: target.connectionId,
            external_id: pl.externalId,
            label: pl.label,
            display_order: pl.displayOrder,
            is_deleted: false,
          })),
        )
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
      const stages = valid.flatMap((pl) => pl.stages.map((s) => ({ pipelineId: pl.externalId, ...s })));
      if (stages.length > 0) {
        const s = await trx
          .insertInto('stages')
          .values(
            stages.map((st) => ({
              connection_id: target.connectionId,
              external_id: st.externalId,
              pipeline_id: st.pipelineId,
              label: st.label,
              display_order: st.displayOrder,
              probability: st.probability,
              is_closed: st.isClosed,
              is_won: st.isWon,
              forecast_category: st.forecastCategory,
              is_deleted: false,
            })),
          )
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
      const pipelineIds = valid.map((pl) => pl.externalId);
      const stageIds = stages.map((st) => st.externalId);
      const gonePipelines = await trx
        .updateTable('pipelines')
        .set({ is_deleted: true })
        .where('connection_id', '=', target.connectionId)
        .where('is_deleted', '=', false)
        .where('external_id', 'not in', pipelineIds)
        .executeTakeFirst();
      const goneStages = await trx
        .updateTable('stages')
        .set({ is_deleted: true })
        .where('connection_id', '=', target.connectionId)
        .where('is_deleted', '=', false)
        .where((eb) => (stageIds.length > 0 ? eb('external_id', 'not in', stageIds) : eb.val(true)))
        .executeTakeFirst();
      changed += Number(gonePipelines.numUpdatedRows) + Number(goneStages.numUpdatedRows);
    }
    await quarantine(trx, target.connectionId, target.runId, 'pipelines', rejected);
    const counts = { read: valid.length, changed, deleted: 0, quarantined: rejected.length, changedIds: [] };
    await countPageInRun(trx, target.runId, 'pipelines', counts);
    return counts;
  });
}
