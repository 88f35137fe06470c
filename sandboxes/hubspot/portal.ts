/**
 * The whole fake portal: generated company, one lazy store per object type, the property
 * catalog, and the edits HubSpot itself makes when a value changes (stage-derived fields,
 * owner-assigned date).
 */
import {
  type ContactGeneratorContext,
  contactBaseArchived,
  contactIdOf,
  contactIndexOf,
  generateContact,
  unfairStretch,
} from './generate-contact.js';
import { dealBaseArchived, dealIdOf, dealIndexOf, forecastCategory, generateDeal } from './generate-deal.js';
import {
  type AccountDetails,
  generateAccount,
  generateGoals,
  generateOwners,
  generatePipelines,
  generateTeams,
  probabilityString,
  type SandboxGoal,
  type SandboxOwner,
  type SandboxPipeline,
  type Team,
} from './generate-portal.js';
import { arraySource, ObjectStore } from './object-store.js';
import { PropertyCatalog } from './property-catalog.js';
import { iso, type ObjectType, type SandboxRecord } from './sandbox-record.js';

export interface PortalOptions {
  readonly seed: number;
  readonly deals: number;
  readonly contacts: number;
  readonly now: Date;
  readonly unfairLeadStretch: boolean;
}

export interface Portal {
  readonly account: AccountDetails;
  readonly teams: readonly Team[];
  readonly owners: readonly SandboxOwner[];
  readonly pipelines: readonly SandboxPipeline[];
  readonly goals: readonly SandboxGoal[];
  readonly catalog: PropertyCatalog;
  readonly stores: Readonly<Record<ObjectType, ObjectStore>>;
  readonly unfair: ContactGeneratorContext['unfair'];
  /** An edit as HubSpot applies it, including the fields it derives from the edited ones. */
  applyEdit(
    object: ObjectType,
    id: string,
    props: Readonly<Record<string, string | null>>,
    at: number,
    sourceType?: string,
  ): SandboxRecord | null;
}

const USER_ID_BASE = 71_000_000;
const GOAL_ID_BASE = 310_000_000;

export function createPortal(options: PortalOptions): Portal {
  const { seed } = options;
  const nowMs = options.now.getTime();
  const account = generateAccount(seed, options.now);
  const teams = generateTeams(seed);
  const owners = generateOwners(seed, nowMs, teams);
  const pipelines = generatePipelines(nowMs);
  const goals = generateGoals(owners, options.now, account.timeZone);
  const unfair = options.unfairLeadStretch ? unfairStretch(owners, nowMs) : null;

  const dealCtx = { seed, nowMs, count: options.deals, owners, pipelines };
  const deals = new ObjectStore(
    {
      count: options.deals,
      idOf: dealIdOf,
      indexOf: dealIndexOf,
      generate: (i) => generateDeal(dealCtx, i),
      baseArchived: (i) => dealBaseArchived(seed, i),
    },
    'hs_lastmodifieddate',
  );
  const contactCtx: ContactGeneratorContext = { seed, nowMs, count: options.contacts, owners, unfair };
  const contacts = new ObjectStore(
    {
      count: options.contacts,
      idOf: contactIdOf,
      indexOf: contactIndexOf,
      generate: (i) => generateContact(contactCtx, i),
      baseArchived: (i) => contactBaseArchived(seed, i),
    },
    'lastmodifieddate',
  );
  const users = new ObjectStore(arraySource(userRecords(owners)), 'hs_lastmodifieddate');
  const goalTargets = new ObjectStore(arraySource(goalRecords(goals, owners)), 'hs_lastmodifieddate');
  const stores: Record<ObjectType, ObjectStore> = { deals, contacts, users, goal_targets: goalTargets };
  const stageById = new Map(pipelines.flatMap((p) => p.stages.map((s) => [s.id, s] as const)));

  return {
    account,
    teams,
    owners,
    pipelines,
    goals,
    catalog: new PropertyCatalog(nowMs - 1500 * 86_400_000, pipelines),
    stores,
    unfair,
    applyEdit(object, id, props, at, sourceType = 'API') {
      const derived: Record<string, string | null> = { ...props };
      const before = stores[object].get(id);
      if (object === 'deals' && typeof props['dealstage'] === 'string') {
        const stage = stageById.get(props['dealstage']);
        if (stage) {
          derived['hs_forecast_category'] = forecastCategory(stage);
          derived['hs_deal_stage_probability'] = probabilityString(stage.probability);
          derived['hs_is_closed'] = String(stage.isClosed);
          derived['hs_is_closed_won'] = String(stage.isClosed && stage.probability === 1);
        }
      }
      if (
        (object === 'contacts' || object === 'deals') &&
        'hubspot_owner_id' in props &&
        before?.properties['hubspot_owner_id'] !== props['hubspot_owner_id']
      ) {
        derived['hubspot_owner_assigneddate'] = props['hubspot_owner_id'] ? iso(at) : null;
      }
      return stores[object].edit(id, derived, at, sourceType);
    },
  };
}

/** Users-object records: their record id is NOT the user id; `hs_internal_user_id` is. */
function userRecords(owners: readonly SandboxOwner[]): SandboxRecord[] {
  return owners
    .filter((o) => o.archivedAt === null)
    .map((o, k) => ({
      id: String(USER_ID_BASE + k * 17),
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      archivedAt: null,
      properties: {
        hs_internal_user_id: String(o.userId),
        hs_email: o.email,
        hs_given_name: o.firstName,
        hs_family_name: o.lastName,
        hs_job_title:
          o.segment === 'management' ? 'VP Sales' : o.segment === 'sdr' ? 'SDR' : 'Account Executive',
        hs_createdate: iso(o.createdAt),
        hs_lastmodifieddate: iso(o.updatedAt),
        hs_object_id: String(USER_ID_BASE + k * 17),
      },
      history: {},
    }));
}

function goalRecords(goals: readonly SandboxGoal[], owners: readonly SandboxOwner[]): SandboxRecord[] {
  const manager = owners.find((o) => o.segment === 'management') ?? owners[0]!;
  return goals.map((g, k) => {
    const id = String(GOAL_ID_BASE + k);
    return {
      id,
      createdAt: g.createdAt,
      updatedAt: g.createdAt,
      archivedAt: null,
      properties: {
        hs_goal_name: g.name,
        hs_target_amount: String(g.target),
        hs_start_datetime: iso(g.start),
        hs_end_datetime: iso(g.end),
        hs_assignee_user_id: String(g.userId),
        hs_created_by_user_id: String(manager.userId),
        hs_createdate: iso(g.createdAt),
        hs_lastmodifieddate: iso(g.createdAt),
        hs_object_id: id,
      },
      history: {},
    };
  });
}
