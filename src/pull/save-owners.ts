import type { Owner, Page, Pipeline, RejectedRecord } from '../../connectors/connector.js';
import type { Db } from '../db.js';
import {
  replaceMemberships,
  replacePipelines,
  upsertOwners,
  upsertTeams,
} from '../warehouse/owner-tables.js';
import { quarantine } from '../warehouse/quarantine.js';
import { countPageInRun, type PageCounts, type StreamTarget, validatePage } from './page-writer.js';
import { ownerSchema, pipelineSchema, reasonOf } from './record-schemas.js';

/** Owners and their team memberships, one page per transaction; owners are re-read in full each run. */
export async function saveOwnerPage(db: Db, target: StreamTarget, page: Page<Owner>): Promise<PageCounts> {
  const { valid, rejected: invalid } = validatePage(page.records, ownerSchema, (o) => o.updatedAt);
  // Records the connector itself could not map are quarantined alongside those that fail here.
  const rejected = [...page.rejected, ...invalid];
  const connectionId = target.connectionId;
  return db.transaction().execute(async (trx) => {
    let changed = 0;
    const changedIds: string[] = [];
    if (valid.length > 0) {
      const ids = await upsertOwners(
        trx,
        valid.map((o) => ({
          connection_id: connectionId,
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
      );
      changed += ids.length;
      changedIds.push(...ids);

      const teams = new Map<string, string>();
      for (const owner of valid) for (const team of owner.teams) teams.set(team.externalId, team.name);
      changed += await upsertTeams(
        trx,
        [...teams].map(([externalId, name]) => ({
          connection_id: connectionId,
          external_id: externalId,
          name,
        })),
      );
      changed += await replaceMemberships(
        trx,
        connectionId,
        valid.map((o) => o.externalId),
        valid.flatMap((o) =>
          o.teams.map((t) => ({
            connection_id: connectionId,
            owner_id: o.externalId,
            team_id: t.externalId,
            is_primary: t.primary,
          })),
        ),
      );
    }
    await quarantine(trx, connectionId, target.runId, 'owners', rejected);
    const counts = { read: valid.length, changed, deleted: 0, quarantined: rejected.length, changedIds };
    await countPageInRun(trx, target.runId, 'owners', counts);
    return counts;
  });
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
  const connectionId = target.connectionId;
  return db.transaction().execute(async (trx) => {
    const changed = await replacePipelines(
      trx,
      connectionId,
      valid.map((pl) => ({
        connection_id: connectionId,
        external_id: pl.externalId,
        label: pl.label,
        display_order: pl.displayOrder,
        is_deleted: false,
      })),
      valid.flatMap((pl) =>
        pl.stages.map((st) => ({
          connection_id: connectionId,
          external_id: st.externalId,
          pipeline_id: pl.externalId,
          label: st.label,
          display_order: st.displayOrder,
          probability: st.probability,
          is_closed: st.isClosed,
          is_won: st.isWon,
          forecast_category: st.forecastCategory,
          is_deleted: false,
        })),
      ),
    );
    await quarantine(trx, connectionId, target.runId, 'pipelines', rejected);
    const counts = { read: valid.length, changed, deleted: 0, quarantined: rejected.length, changedIds: [] };
    await countPageInRun(trx, target.runId, 'pipelines', counts);
    return counts;
  });
}
