/**
 * Everything the Salesforce connector knows about Salesforce's API surface, as data: the API
 * version, page sizes, cursor fields, the fields each stream reads, and how an error answer
 * becomes a ConnectorError kind. api.ts / soql.ts / index.ts only interpret this table, so a
 * change in Salesforce's limits or fields is a one-line edit here.
 */
import type { FieldType } from '../connector.js';
import type { ConnectorErrorKind } from '../connector-error.js';

/** Pinned, never jsforce's default: a silent version bump changes field sets and error shapes. */
export const DEFAULT_API_VERSION = '62.0';

/** A request that has not answered within this long is abandoned and retried as transient. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Records per query page: Salesforce's maximum (`Sforce-Query-Options: batchSize`, 200..2,000). */
export const QUERY_BATCH_SIZE = 2_000;

/**
 * Re-read this far behind the saved checkpoint: SystemModstamp is stamped when a transaction
 * starts, so a long transaction can commit a row older than one we already read.
 */
export const LOOKBACK_MS = 5 * 60 * 1000;

/**
 * Share of the org's daily allowance (Sforce-Limit-Info api-usage=N/MAX) left for everything
 * else in the org: below it the pull ends `deferred` and resumes from its checkpoint next run.
 */
export const DEFAULT_DAILY_RESERVE = 0.2;

/**
 * How long a history query's `WHERE x IN (...)` list may grow. REST queries travel in the URL
 * (`GET .../query?q=<SOQL, percent-encoded>`): "the maximum length for the combined URI and
 * headers is 16,384 bytes", a longer URI is refused with 414 URI Too Long, URI plus headers
 * with 431 (Salesforce Help 000386264); a SOQL statement is at most 100,000 characters (limits
 * cheat sheet). The REST API has no POST form of query. So each batch holds as many ids as keep
 * the URI within the limit less the headers: the access token's length plus `headerAllowance`
 * for the rest (measured against the sandbox: jsforce and undici send 328 bytes of headers with
 * a 114-character session id, i.e. 214 besides the token). Ids go in their 15-character form
 * (SOQL accepts both) with bare commas: 707 fit in an OpportunityHistory query, so the 2,000
 * ids of a page take 3 queries per history object where 500-id batches took 4.
 */
export interface QueryUriLimits {
  readonly maxBytes: number;
  readonly headerAllowance: number;
  readonly maxSoqlChars: number;
}
export const QUERY_URI: QueryUriLimits = { maxBytes: 16_384, headerAllowance: 512, maxSoqlChars: 100_000 };

/**
 * History is read through Composite (`POST /composite`), which carries each query in the body:
 * "up to 25 subrequests in a
 * single call. Up to 5 of these subrequests can be sObject Collections or query operations,
 * including Query and QueryAll requests" (the Query More of a next page counts too), and "the
 * entire series of requests counts as a single call toward your API limits" (REST API
 * Developer Guide, Composite; Salesforce Help 000386264 suggests it for long queries). Available
 * from API 38.0; older versions use GET batches. Either way a query's URI stays within `QUERY_URI`:
 * Salesforce documents no limit for a subrequest's url, so none is assumed above a direct GET's.
 *
 * `rowsPerQuery`: ids go in queries expected to fill about one 2,000-row page each (from the rows
 * per id seen so far this run; `startRowsPerId` before any), so five queries fill a call instead
 * of one long query paging alone.
 */
export const COMPOSITE = {
  minVersion: 38,
  queries: 5,
  rowsPerQuery: 1_800,
  startRowsPerId: 4,
} as const;

/** `PATCH /composite/sobjects` takes at most 200 records. */
export const COMPOSITE_MAX = 200;

export interface IncrementalStreamSpec {
  readonly object: 'Opportunity' | 'Lead';
  /** The keyset: ordered by (cursor, Id); the checkpoint is the last (cursor, Id) saved. */
  readonly cursor: 'SystemModstamp';
  readonly fields: readonly string[];
  /** Selected only in multi-currency orgs (a single-currency org answers INVALID_FIELD). */
  readonly currencyFields: readonly string[];
}

export const STREAMS = {
  deals: {
    object: 'Opportunity',
    cursor: 'SystemModstamp',
    fields: [
      'Id',
      'IsDeleted',
      'Name',
      'StageName',
      'Amount',
      'Probability',
      'CloseDate',
      'ForecastCategory',
      'OwnerId',
      'CreatedDate',
      'SystemModstamp',
    ],
    currencyFields: ['CurrencyIsoCode'],
  },
  leads: {
    object: 'Lead',
    cursor: 'SystemModstamp',
    fields: [
      'Id',
      'IsDeleted',
      'Email',
      'OwnerId',
      'Rating',
      'LeadSource',
      'Status',
      'IsConverted',
      'CreatedDate',
      'SystemModstamp',
    ],
    currencyFields: [],
  },
} as const satisfies Readonly<Record<string, IncrementalStreamSpec>>;

/** Whole-object reads, each one query per sync. */
export const OBJECTS = {
  organization: {
    object: 'Organization',
    fields: ['Id', 'TimeZoneSidKey', 'FiscalYearStartMonth', 'DefaultCurrencyIsoCode'],
  },
  currencies: { object: 'CurrencyType', fields: ['IsoCode', 'ConversionRate', 'IsCorporate', 'IsActive'] },
  users: {
    object: 'User',
    fields: [
      'Id',
      'Email',
      'FirstName',
      'LastName',
      'IsActive',
      'ManagerId',
      'UserRoleId',
      'CreatedDate',
      'SystemModstamp',
    ],
  },
  queues: { object: 'Group', fields: ['Id', 'Name', 'Email', 'CreatedDate', 'SystemModstamp'] },
  stages: {
    object: 'OpportunityStage',
    fields: [
      'ApiName',
      'MasterLabel',
      'SortOrder',
      'DefaultProbability',
      'IsClosed',
      'IsWon',
      'ForecastCategory',
    ],
  },
  quotas: {
    object: 'ForecastingQuota',
    fields: ['Id', 'QuotaOwnerId', 'StartDate', 'QuotaAmount', 'IsAmount'],
    currencyFields: ['CurrencyIsoCode'],
  },
  opportunityHistory: {
    object: 'OpportunityHistory',
    parent: 'OpportunityId',
    fields: ['OpportunityId', 'StageName', 'CreatedDate'],
  },
  opportunityOwnerHistory: {
    object: 'OpportunityFieldHistory',
    parent: 'OpportunityId',
    fields: ['OpportunityId', 'Field', 'DataType', 'OldValue', 'NewValue', 'CreatedDate'],
  },
  leadOwnerHistory: {
    object: 'LeadHistory',
    parent: 'LeadId',
    fields: ['LeadId', 'Field', 'DataType', 'OldValue', 'NewValue', 'CreatedDate'],
  },
} as const;

/** Salesforce's ForecastCategory API values → the neutral categories. */
export const FORECAST_CATEGORIES: Readonly<
  Record<string, 'pipeline' | 'best_case' | 'commit' | 'closed' | 'omitted'>
> = {
  Pipeline: 'pipeline',
  BestCase: 'best_case',
  Forecast: 'commit',
  Closed: 'closed',
  Omitted: 'omitted',
};

/**
 * Salesforce has one org-wide stage list (the StageName picklist); a sales process is a subset
 * of it. Stage ids are unique per connection in the warehouse, so the org is one pipeline.
 */
export const PIPELINE = { externalId: 'Opportunity', label: 'Opportunities' } as const;

/**
 * Push-back field types as Metadata API CustomField settings. Percent fields hold percent points
 * (85.3 means 85.3%), so scale 1 keeps the tenth the push rounds to.
 */
export const FIELD_TYPES: Readonly<
  Record<
    FieldType,
    { readonly type: string; readonly precision?: number; readonly scale?: number; readonly length?: number }
  >
> = {
  percent: { type: 'Percent', precision: 5, scale: 1 },
  currency: { type: 'Currency', precision: 16, scale: 2 },
  number: { type: 'Number', precision: 18, scale: 2 },
  date: { type: 'Date' },
  text: { type: 'Text', length: 255 },
};

/** The Metadata API takes at most 10 components per create/upsert call. */
export const METADATA_PER_CALL = 10;

/** The permission set that makes our fields visible and writable to the integration user. */
export const PERMISSION_SET = {
  fullName: 'SalesOps_Integration',
  label: 'SalesOps Integration',
  description: 'Lets the SalesOps integration user read and write the SalesOps fields it fills in.',
} as const;

/**
 * Where rep values go when the integration user cannot edit User records (no Manage Users): one
 * record per user, found by its lookup to the user.
 */
export const SCORECARD = {
  object: 'SalesOps_Scorecard__c',
  label: 'SalesOps Scorecard',
  pluralLabel: 'SalesOps Scorecards',
  userField: 'SalesOps_User__c',
  userLabel: 'User',
  userDescription: 'The rep these SalesOps numbers belong to.',
  relationshipName: 'SalesOps_Scorecards',
  /** Name is a Text(80) field. */
  nameMax: 80,
} as const;

/** REST paths (relative to /services/data/vNN.0) used by field provisioning. */
export const PATHS = {
  /** The version root names the caller's identity URL, `…/id/<org id>/<user id>`. */
  versionRoot: '',
  toolingQuery: (soql: string) => `/tooling/query?q=${encodeURIComponent(soql)}`,
  describe: (object: string) => `/sobjects/${object}/describe`,
  sobject: (object: string) => `/sobjects/${object}`,
  composite: '/composite/sobjects',
} as const;

export interface ErrorRule {
  /** When set, only answers of this endpoint (`token`: the OAuth token endpoint). */
  readonly endpoint?: 'token';
  /** Salesforce's `errorCode` (REST) / fault code (SOAP) / OAuth `error`; `*` matches any. */
  readonly code: string;
  /** When set, only answers with this HTTP status. */
  readonly status?: number | readonly [number, number];
  /** When set, only answers whose message contains this text. */
  readonly message?: string;
  readonly kind: ConnectorErrorKind;
  readonly retryAfterMs?: number;
}

/**
 * Error code (then HTTP status) → ConnectorError kind; first match wins. 401 is handled before
 * this table (one refresh, then `auth`), except at the token endpoint.
 */
export const ERROR_RULES: readonly ErrorRule[] = [
  // The OAuth token endpoint: an outage is retried; any other answer without a token (a refused
  // client secret or certificate, a 2xx without one) needs the admin.
  { endpoint: 'token', code: '*', status: [500, 599], kind: 'transient' },
  { endpoint: 'token', code: '*', kind: 'auth' },
  // Too many long-running requests at once: a short wait clears it.
  { code: 'REQUEST_LIMIT_EXCEEDED', message: 'ConcurrentPerOrg', kind: 'rate_limited', retryAfterMs: 5_000 },
  // The rolling-24-hour allowance is spent: nothing to wait for within a job.
  { code: 'REQUEST_LIMIT_EXCEEDED', kind: 'deferred' },
  { code: 'UNABLE_TO_LOCK_ROW', kind: 'transient' },
  { code: 'SERVER_UNAVAILABLE', kind: 'transient' },
  { code: 'QUERY_TIMEOUT', kind: 'transient' },
  // A cursor idle for 15 minutes: the job retries from the saved checkpoint.
  { code: 'INVALID_QUERY_LOCATOR', kind: 'transient' },
  { code: 'INVALID_SESSION_ID', kind: 'auth' },
  { code: 'INSUFFICIENT_ACCESS_OR_READONLY', kind: 'auth' },
  { code: 'API_DISABLED_FOR_ORG', kind: 'auth' },
  { code: 'API_CURRENTLY_DISABLED', kind: 'auth' },
  { code: 'NOT_FOUND', status: 404, kind: 'not_found' },
  { code: 'ENTITY_IS_DELETED', kind: 'not_found' },
  { code: '*', status: [500, 599], kind: 'transient' },
  { code: '*', status: 429, kind: 'rate_limited', retryAfterMs: 1_000 },
  { code: '*', status: 403, kind: 'auth' },
  { code: '*', status: 404, kind: 'not_found' },
  { code: '*', status: [400, 499], kind: 'invalid_request' },
];

export function errorRuleFor(
  code: string,
  status: number,
  message: string,
  endpoint?: 'token',
): ErrorRule | undefined {
  return ERROR_RULES.find((rule) => {
    if (rule.endpoint !== undefined && rule.endpoint !== endpoint) return false;
    if (rule.code !== '*' && rule.code !== code) return false;
    if (rule.message !== undefined && !message.includes(rule.message)) return false;
    if (rule.status === undefined) return true;
    return typeof rule.status === 'number'
      ? rule.status === status
      : status >= rule.status[0] && status <= rule.status[1];
  });
}
