/**
 * Everything the HubSpot connector knows about HubSpot's API surface, as data: endpoint paths,
 * page sizes, cursor fields, the properties each stream reads, and how an HTTP answer becomes
 * a ConnectorError kind. The code in api.ts / streams.ts only interprets this table, so a
 * change in HubSpot's limits or paths is a one-line edit here (Airbyte-style declarative spec).
 */
import type { ConnectorErrorKind } from '../connector-error.js';

export type Bucket = 'default' | 'search';

export interface EndpointSpec {
  readonly method: 'GET' | 'POST';
  /** `{object}` is substituted with the stream's object type. */
  readonly path: string;
  readonly bucket: Bucket;
  /** Records per request (the `limit` parameter or the batch size). */
  readonly pageSize?: number;
  /** Where the next-page cursor is found in the response and sent back in the request. */
  readonly cursor?: CursorSpec;
}

export interface CursorSpec {
  /** Dotted path of the cursor in the response body; absent on the last page. */
  readonly response: string;
  /** The query parameter (GET) or body field (POST) the cursor is sent back in. */
  readonly request: string;
}

export const ENDPOINTS = {
  token: { method: 'POST', path: '/oauth/v1/token', bucket: 'default' },
  account: { method: 'GET', path: '/account-info/v3/details', bucket: 'default' },
  owners: {
    method: 'GET',
    path: '/crm/v3/owners',
    bucket: 'default',
    pageSize: 500,
    cursor: { response: 'paging.next.after', request: 'after' },
  },
  pipelines: { method: 'GET', path: '/crm/v3/pipelines/deals', bucket: 'default' },
  list: {
    method: 'GET',
    path: '/crm/v3/objects/{object}',
    bucket: 'default',
    pageSize: 100,
    cursor: { response: 'paging.next.after', request: 'after' },
  },
  // Search pages by an offset `after` and refuses to go past 10,000 results per query.
  search: {
    method: 'POST',
    path: '/crm/v3/objects/{object}/search',
    bucket: 'search',
    pageSize: 200,
    cursor: { response: 'paging.next.after', request: 'after' },
  },
  // HubSpot serves at most 50 records per request when property history is asked for.
  history: { method: 'POST', path: '/crm/v3/objects/{object}/batch/read', bucket: 'default', pageSize: 50 },
  properties: { method: 'GET', path: '/crm/v3/properties/{object}', bucket: 'default' },
  createProperty: { method: 'POST', path: '/crm/v3/properties/{object}', bucket: 'default' },
  groups: { method: 'GET', path: '/crm/v3/properties/{object}/groups', bucket: 'default' },
  createGroup: { method: 'POST', path: '/crm/v3/properties/{object}/groups', bucket: 'default' },
  // At most 100 inputs; a partial failure is a 207 with `errors[]`.
  batchUpdate: {
    method: 'POST',
    path: '/crm/v3/objects/{object}/batch/update',
    bucket: 'default',
    pageSize: 100,
  },
} as const satisfies Readonly<Record<string, EndpointSpec>>;

export type EndpointName = keyof typeof ENDPOINTS;

/** The cursor, sent back under the name the endpoint's spec declares (none on a first page). */
export function cursorField(cursor: CursorSpec, value: string | null): Record<string, string | undefined> {
  return { [cursor.request]: value ?? undefined };
}

/** HubSpot's hard cap on the results one search query can page through. */
export const SEARCH_RESULT_CAP = 10_000;

/**
 * Re-read this far behind the previous run's window end: HubSpot's search index lags writes by
 * seconds to minutes, so a record modified just before the last run may not have been findable.
 */
export const LOOKBACK_MS = 10 * 60 * 1000;

/** A request that has not answered within this long is abandoned and retried as transient. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * HubSpot's stage calculated properties, one pair per stage id, e.g. `hs_v2_date_entered_closedwon`
 * (knowledge.hubspot.com/properties/stage-calculated-properties, "Use stage calculated
 * properties", updated 2026-02-11): "Date entered [stage ID]: the date and time the record entered
 * the stage", "Date exited [stage ID]: the date and time the record exited the stage"; "If a deal
 * ... is closed then reopened, the values will continue to update", so both describe the latest
 * visit, and a re-entered stage shows only its last entry. The internal names are the ones public
 * integrations read (`hs_v2_date_entered_<stageId>`, `hs_v2_date_exited_<stageId>`); the older
 * `hs_date_entered_<stageId>` are not read. `hs_v2_latest_time_in_*` / `hs_v2_cumulative_time_in_*`
 * would tell a re-entry too, but entered/exited already do (map.ts) at half the URL length.
 */
export const STAGE_PROPERTY_PREFIXES = {
  entered: 'hs_v2_date_entered_',
  exited: 'hs_v2_date_exited_',
} as const;

/**
 * The longest request target (path + query) a GET is built with. HubSpot documents no figure;
 * Airbyte's HubSpot source measured "the URL length up to ~16300 symbols" before 414s and keeps
 * its `properties` parameter under 15,000 characters (airbytehq/airbyte, source-hubspot
 * `PROPERTIES_PARAM_MAX_LENGTH`). A list page whose properties do not fit is read through search
 * instead, whose POST body carries them (streams.ts).
 */
export const MAX_GET_TARGET_CHARS = 15_000;

export interface IncrementalStreamSpec {
  readonly object: 'deals' | 'contacts';
  /** The property search filters on for "modified since". */
  readonly modifiedProperty: string;
  readonly properties: readonly string[];
  /** Properties whose history `*History(ids)` reads. */
  readonly historyProperties: readonly string[];
}

export const STREAMS = {
  deals: {
    object: 'deals',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: [
      'dealname',
      'pipeline',
      'dealstage',
      'hubspot_owner_id',
      'hubspot_owner_assigneddate',
      'amount',
      'deal_currency_code',
      'amount_in_home_currency',
      'createdate',
      'closedate',
      'hs_forecast_category',
      'hs_deal_stage_probability',
      'hs_lastmodifieddate',
      'hs_merged_object_ids',
      'hs_object_id',
    ],
    historyProperties: ['dealstage', 'hubspot_owner_id'],
  },
  leads: {
    object: 'contacts',
    modifiedProperty: 'lastmodifieddate',
    properties: [
      'email',
      'hubspot_owner_id',
      'hubspot_owner_assigneddate',
      'hubspotscore',
      'hs_analytics_source',
      'hs_lead_status',
      'createdate',
      'lastmodifieddate',
      'hs_object_id',
    ],
    historyProperties: ['hubspot_owner_id'],
  },
} as const satisfies Readonly<Record<string, IncrementalStreamSpec>>;

export const GOAL_PROPERTIES = [
  'hs_target_amount',
  'hs_start_datetime',
  'hs_end_datetime',
  'hs_assignee_user_id',
  'hs_assignee_team_id',
] as const;

/** Where push fields live: deal fields on deals, rep fields on the users object (DESIGN §3, §6). */
export const FIELD_OBJECTS = { deal: 'deals', rep: 'users', lead: 'contacts' } as const;

/** A lead's owner is the contact's `hubspot_owner_id`: an OWNER id (a user id there is refused). */
export const LEAD_OWNER_PROPERTY = 'hubspot_owner_id';

export const FIELD_GROUP = { name: 'salesops', label: 'SalesOps' } as const;

/** Neutral field type → HubSpot property type and field type. */
export const FIELD_TYPES = {
  percent: { type: 'number', fieldType: 'number' },
  currency: { type: 'number', fieldType: 'number', showCurrencySymbol: true },
  number: { type: 'number', fieldType: 'number' },
  date: { type: 'date', fieldType: 'date' },
  text: { type: 'string', fieldType: 'text' },
} as const;

export interface ErrorRule {
  /** When set, the rule applies only to answers of this endpoint. */
  readonly endpoint?: EndpointName;
  /** When absent, any status. */
  readonly status?: number | readonly [number, number];
  /** When set, the rule applies only to 429 bodies naming this policy. */
  readonly policy?: string;
  readonly kind: ConnectorErrorKind;
  /** Wait before retrying when the response names none (the policy's window). */
  readonly retryAfterMs?: number;
}

/**
 * HTTP status → ConnectorError kind, first match wins. 401 is handled before this table (one
 * OAuth refresh, then `auth`), except at the token endpoint. A daily 429 cannot be waited out
 * within a job: the run defers.
 */
export const ERROR_RULES: readonly ErrorRule[] = [
  // The OAuth token endpoint: an outage is retried; any other answer without a token (a refused
  // or revoked refresh token, a 2xx without one) needs the admin to reconnect the app.
  { endpoint: 'token', status: [500, 599], kind: 'transient' },
  { endpoint: 'token', kind: 'auth' },
  { status: 429, policy: 'DAILY', kind: 'deferred' },
  { status: 429, policy: 'SECONDLY', kind: 'rate_limited', retryAfterMs: 1_000 },
  { status: 429, kind: 'rate_limited', retryAfterMs: 10_000 },
  { status: 401, kind: 'auth' },
  { status: 403, kind: 'auth' },
  { status: 404, kind: 'not_found' },
  { status: 408, kind: 'transient' },
  { status: 423, kind: 'transient' },
  { status: [500, 599], kind: 'transient' },
  { status: [400, 499], kind: 'invalid_request' },
];

export function errorRuleFor(
  status: number,
  policy: string | undefined,
  endpoint: EndpointName,
): ErrorRule | undefined {
  return ERROR_RULES.find((rule) => {
    if (rule.endpoint !== undefined && rule.endpoint !== endpoint) return false;
    const matches =
      rule.status === undefined ||
      (typeof rule.status === 'number'
        ? rule.status === status
        : status >= rule.status[0] && status <= rule.status[1]);
    return matches && (rule.policy === undefined || rule.policy === policy);
  });
}

/**
 * Share of the portal's daily allowance left for the customer's other integrations: below it the
 * run ends `deferred` instead of spending the last requests (DESIGN §3).
 */
export const DAILY_RESERVE = 0.02;

/** The rate-limit headers HubSpot sends on non-search responses. */
export const RATE_HEADERS = {
  max: 'x-hubspot-ratelimit-max',
  remaining: 'x-hubspot-ratelimit-remaining',
  intervalMs: 'x-hubspot-ratelimit-interval-milliseconds',
  daily: 'x-hubspot-ratelimit-daily',
  dailyRemaining: 'x-hubspot-ratelimit-daily-remaining',
  retryAfter: 'retry-after',
} as const;
