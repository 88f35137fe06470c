/**
 * HubSpot JSON → domain records. Pure: no I/O, no clock. A record that cannot be mapped comes
 * back as a rejection with a reason, which the pull stage quarantines.
 */
import { DateTime } from 'luxon';
import type {
  AccountInfo,
  Deal,
  DealChange,
  ForecastCategory,
  Lead,
  LeadOwnerChange,
  Owner,
  Pipeline,
  Quota,
  RejectedRecord,
  Stage,
} from '../connector.js';
import type { AccountWire, ObjectWire, OwnerWire, PipelineWire } from './schemas.js';
import { STAGE_PROPERTY_PREFIXES } from './spec.js';

export type Mapped<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly rejected: RejectedRecord };

export function mapAccount(wire: AccountWire): AccountInfo {
  return {
    accountId: String(wire.portalId),
    timeZone: wire.timeZone,
    // HubSpot has no fiscal-year setting in its API; the connection setting decides (DESIGN §5).
    fiscalYearStartMonth: null,
    currency: wire.companyCurrency.toUpperCase(),
    multiCurrency: wire.additionalCurrencies.length > 0,
  };
}

export function mapOwner(wire: OwnerWire): Owner {
  const userId = wire.userId ?? wire.userIdIncludingInactive;
  return {
    externalId: wire.id,
    email: wire.email,
    firstName: wire.firstName,
    lastName: wire.lastName,
    active: !wire.archived,
    userId: userId === null ? null : String(userId),
    managerId: null,
    teams: wire.teams.map((t) => ({ externalId: t.id, name: t.name, primary: t.primary })),
    isQueue: false,
    createdAt: instantOrNull(wire.createdAt),
    updatedAt: instantOrNull(wire.updatedAt),
  };
}

/**
 * HubSpot stages carry no forecast category (it lives on the deal, `hs_forecast_category`), so a
 * stage's category is derived the way HubSpot pre-fills a deal's: won → closed, lost → omitted,
 * open by the stage probability (≥ 0.8 commit, ≥ 0.5 best case, else pipeline).
 */
export function stageForecastCategory(
  isClosed: boolean,
  isWon: boolean,
  probability: number | null,
): ForecastCategory {
  if (isClosed) return isWon ? 'closed' : 'omitted';
  if (probability !== null && probability >= 0.8) return 'commit';
  if (probability !== null && probability >= 0.5) return 'best_case';
  return 'pipeline';
}

export function mapPipeline(wire: PipelineWire): Pipeline {
  const stages: Stage[] = wire.stages
    .filter((s) => !s.archived)
    .map((s) => {
      const probability = probabilityOf(s.metadata['probability'] ?? null);
      const isClosed = s.metadata['isClosed'] === 'true';
      const isWon = isClosed && probability === 1;
      return {
        externalId: s.id,
        label: s.label,
        displayOrder: s.displayOrder,
        probability,
        isClosed,
        isWon,
        forecastCategory: stageForecastCategory(isClosed, isWon, probability),
      };
    });
  return { externalId: wire.id, label: wire.label, displayOrder: wire.displayOrder, stages };
}

const FORECAST: Readonly<Record<string, ForecastCategory>> = {
  CLOSED: 'closed',
  COMMIT: 'commit',
  BEST_CASE: 'best_case',
  PIPELINE: 'pipeline',
  OMIT: 'omitted',
  OMITTED: 'omitted',
};

class MapError extends Error {}

function fail(message: string): never {
  throw new MapError(message);
}

function text(props: ObjectWire['properties'], name: string): string | null {
  const value = props[name];
  return value === undefined || value === null || value.trim() === '' ? null : value;
}

/** Decimal strings pass as they are (never through a float); HubSpot may send "1200.50" or "1200". */
function decimal(props: ObjectWire['properties'], name: string): string | null {
  const value = text(props, name);
  if (value === null) return null;
  const trimmed = value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) fail(`${name} "${value}" is not a decimal number`);
  return trimmed;
}

function instant(props: ObjectWire['properties'], name: string): string | null {
  const value = text(props, name);
  if (value === null) return null;
  const parsed = instantOrNull(value);
  if (parsed === null) fail(`${name} "${value}" is not a timestamp`);
  return parsed;
}

function instantOrNull(value: string | null): string | null {
  if (value === null) return null;
  // HubSpot sends ISO instants; older portals and some properties send epoch milliseconds.
  const ms = /^\d{10,}$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function probabilityOf(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
}

function guarded<T>(wire: ObjectWire, build: () => T): Mapped<T> {
  try {
    return { ok: true, value: build() };
  } catch (error) {
    if (!(error instanceof MapError)) throw error;
    return { ok: false, rejected: { externalId: wire.id, payload: wire, reason: error.message } };
  }
}

export function mapDeal(wire: ObjectWire, homeCurrency: string): Mapped<Deal> {
  return guarded(wire, () => {
    const p = wire.properties;
    const lastModifiedAt = instant(p, 'hs_lastmodifieddate') ?? fail('hs_lastmodifieddate is missing');
    const amount = decimal(p, 'amount');
    const currency = text(p, 'deal_currency_code')?.toUpperCase() ?? (amount === null ? null : homeCurrency);
    const home = decimal(p, 'amount_in_home_currency') ?? (currency === homeCurrency ? amount : null);
    const category = text(p, 'hs_forecast_category');
    return {
      externalId: wire.id,
      name: text(p, 'dealname'),
      pipelineId: text(p, 'pipeline'),
      stageId: text(p, 'dealstage'),
      ownerId: text(p, 'hubspot_owner_id'),
      amount,
      currency,
      amountHome: home,
      createdAt: instant(p, 'createdate'),
      closeDate: instant(p, 'closedate'),
      forecastCategory: category === null ? null : (FORECAST[category.toUpperCase()] ?? null),
      probability: probabilityOf(text(p, 'hs_deal_stage_probability')),
      lastModifiedAt,
      mergedIds: (text(p, 'hs_merged_object_ids') ?? '')
        .split(';')
        .map((id) => id.trim())
        .filter((id) => id !== '' && id !== wire.id),
    };
  });
}

export function mapLead(wire: ObjectWire): Mapped<Lead> {
  return guarded(wire, () => {
    const p = wire.properties;
    const score = decimal(p, 'hubspotscore');
    return {
      externalId: wire.id,
      email: text(p, 'email'),
      ownerId: text(p, 'hubspot_owner_id'),
      assignedAt: instant(p, 'hubspot_owner_assigneddate'),
      score: score === null ? null : Number(score),
      rating: null,
      source: text(p, 'hs_analytics_source'),
      status: text(p, 'hs_lead_status'),
      createdAt: instant(p, 'createdate'),
      lastModifiedAt: instant(p, 'lastmodifieddate') ?? fail('lastmodifieddate is missing'),
    };
  });
}

/** HubSpot answers history newest first; changes are returned oldest first, unparseable ones skipped. */
function historyOf(wire: ObjectWire, property: string): { value: string; at: string }[] {
  const entries = wire.propertiesWithHistory?.[property] ?? [];
  return entries
    .flatMap((e) => {
      const at = instantOrNull(e.timestamp);
      return at === null ? [] : [{ value: e.value, at }];
    })
    .sort((a, b) => a.at.localeCompare(b.at));
}

export function mapDealHistory(wire: ObjectWire): DealChange[] {
  const fields = [
    ['dealstage', 'stage'],
    ['hubspot_owner_id', 'owner'],
  ] as const;
  return fields.flatMap(([property, field]) =>
    historyOf(wire, property).map((h) => ({
      dealId: wire.id,
      field,
      value: h.value === '' ? null : h.value,
      changedAt: h.at,
    })),
  );
}

/** What a deal's own properties say about its history, or what only a history read can say. */
export type PropertyHistory =
  | { readonly ok: true; readonly changes: readonly DealChange[] }
  | { readonly ok: false; readonly need: 'stage' | 'owner' };

/**
 * A deal's stage and owner history from its list-page properties, where they answer it fully:
 *
 * - Stages: HubSpot's "date entered"/"date exited" of each stage (spec.ts) keep only the latest
 *   visit. Sorted by entry, they are the whole path exactly when they form one unbroken pass: the
 *   first entered at `createdate`, each exited when the next was entered, the last one the current
 *   stage and not exited. A re-entered stage always breaks that (the lost visit leaves a gap, or
 *   the current stage shows an earlier exit), and so does a stage outside `stages`: then the
 *   history is read.
 * - Owner: `hubspot_owner_assigneddate` is the latest assignment. At or before `createdate` the
 *   owner never changed: one entry, as history has it. Later, only the current owner and its
 *   assignment time are known: enough while the deal is open or was reassigned no later than it
 *   closed (credit and win rates take the owner at the closing moment, the last entry into a
 *   closed stage, DESIGN §5); a deal reassigned after it closed needs the read. The earlier owners
 *   of a reassigned deal are then not in `deal_history` (a forecast replayed at a past date sees
 *   the current owner).
 */
export function historyFromProperties(
  wire: ObjectWire,
  stages: ReadonlyMap<string, { readonly isClosed: boolean }>,
): PropertyHistory {
  const p = wire.properties;
  const at = (name: string): number | null => {
    const value = instantOrNull(text(p, name));
    return value === null ? null : Date.parse(value);
  };
  const created = at('createdate');
  const current = text(p, 'dealstage');
  if (created === null || current === null) return { ok: false, need: 'stage' };
  const visits: { id: string; entered: number; exited: number | null }[] = [];
  for (const id of stages.keys()) {
    const entered = at(STAGE_PROPERTY_PREFIXES.entered + id);
    if (entered !== null) visits.push({ id, entered, exited: at(STAGE_PROPERTY_PREFIXES.exited + id) });
  }
  visits.sort((a, b) => a.entered - b.entered);
  const last = visits.at(-1);
  const onePass =
    last !== undefined &&
    visits[0]!.entered === created &&
    last.id === current &&
    last.exited === null &&
    visits.every(
      (v, k) => k === visits.length - 1 || (v.exited === visits[k + 1]!.entered && v.entered < v.exited),
    );
  if (!onePass) return { ok: false, need: 'stage' };
  const changes: DealChange[] = visits.map((v) => ({
    dealId: wire.id,
    field: 'stage',
    value: v.id,
    changedAt: new Date(v.entered).toISOString(),
  }));

  const owner = text(p, 'hubspot_owner_id');
  const assigned = at('hubspot_owner_assigneddate');
  if (owner === null) return assigned === null ? { ok: true, changes } : { ok: false, need: 'owner' };
  if (assigned === null) return { ok: false, need: 'owner' };
  const closedAt = stages.get(current)?.isClosed ? last.entered : null;
  if (assigned > created && closedAt !== null && assigned > closedAt) return { ok: false, need: 'owner' };
  changes.push({
    dealId: wire.id,
    field: 'owner',
    value: owner,
    changedAt: new Date(assigned).toISOString(),
  });
  return { ok: true, changes };
}

/**
 * A contact's owner history from its own properties, where they answer it fully, else null (a
 * history read). `hubspot_owner_assigneddate` is the latest assignment: at or before
 * `createdate` the owner was set when the contact was created and never changed, so its history
 * is that one entry (the first assignment the lead audit counts); no owner and no assignment
 * date means no owner was ever set. A later assignment may have had owners before it (rotation
 * after creation, reassignments): only the history read knows them.
 */
export function leadHistoryFromProperties(wire: ObjectWire): readonly LeadOwnerChange[] | null {
  const p = wire.properties;
  const owner = text(p, 'hubspot_owner_id');
  const assigned = instantOrNull(text(p, 'hubspot_owner_assigneddate'));
  if (owner === null) return assigned === null ? [] : null;
  const created = instantOrNull(text(p, 'createdate'));
  if (assigned === null || created === null || Date.parse(assigned) > Date.parse(created)) return null;
  return [{ leadId: wire.id, ownerId: owner, changedAt: assigned }];
}

export function mapLeadHistory(wire: ObjectWire): LeadOwnerChange[] {
  return historyOf(wire, 'hubspot_owner_id').map((h) => ({
    leadId: wire.id,
    ownerId: h.value === '' ? null : h.value,
    changedAt: h.at,
  }));
}

/** A goal target → a quota, with the assignee user resolved to an owner id. */
export function mapGoal(
  wire: ObjectWire,
  ownerByUserId: ReadonlyMap<string, string>,
  timeZone: string,
  currency: string,
): Mapped<Quota> {
  return guarded(wire, () => {
    const p = wire.properties;
    const amount = decimal(p, 'hs_target_amount') ?? fail('hs_target_amount is missing');
    const start = instant(p, 'hs_start_datetime') ?? fail('hs_start_datetime is missing');
    const end = instant(p, 'hs_end_datetime') ?? fail('hs_end_datetime is missing');
    const userId = text(p, 'hs_assignee_user_id');
    const teamId = text(p, 'hs_assignee_team_id');
    const ownerId = userId === null ? null : (ownerByUserId.get(userId) ?? null);
    if (ownerId === null && teamId === null) fail(`goal assignee user ${userId ?? '(none)'} is not an owner`);
    const day = (iso: string) =>
      DateTime.fromISO(iso).setZone(timeZone).toISODate() ?? fail(`bad date ${iso}`);
    return {
      externalId: wire.id,
      ownerId,
      teamId: ownerId === null ? teamId : null,
      periodStart: day(start),
      periodEnd: day(end),
      amount,
      currency,
    };
  });
}
