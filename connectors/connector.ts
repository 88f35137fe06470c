/**
 * The one interface every CRM sits behind (DESIGN.md §3), and the domain types it speaks.
 *
 * Connectors never touch the warehouse or the queue: they receive their I/O (`ConnectorDeps`)
 * and hand back pages. Everything here is plain readonly data so the pull stage can validate
 * it with zod and store it without knowing which CRM it came from.
 */

export type CrmKind = 'hubspot' | 'salesforce';

/** ISO-8601 instant with offset, e.g. `2026-03-31T23:59:59.000Z`. */
export type IsoInstant = string;
/** ISO calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;
/** Money as a decimal string, never a float (`"1234.50"`). */
export type Decimal = string;

export interface AccountInfo {
  /** HubSpot portal id, Salesforce org id: the key of the shared rate budget. */
  readonly accountId: string;
  /** IANA zone, e.g. `America/New_York`. */
  readonly timeZone: string;
  /** 1–12; null where the CRM exposes none (HubSpot). */
  readonly fiscalYearStartMonth: number | null;
  /** ISO 4217 home/company currency. */
  readonly currency: string;
  readonly multiCurrency: boolean;
}

/** An opaque, JSON-serialisable position saved with the page it ends. */
export type Checkpoint = { readonly [key: string]: string | number | boolean | null };

/** A record the connector could not map; the pull stage quarantines it and goes on. */
export interface RejectedRecord {
  readonly externalId: string | null;
  readonly payload: unknown;
  readonly reason: string;
}

export interface Page<T> {
  readonly records: readonly T[];
  readonly rejected: readonly RejectedRecord[];
  /** Ids the CRM reports as deleted/archived in this page (marked deleted, never dropped). */
  readonly deletedIds: readonly string[];
  /** Where the next run resumes if this page is the last one saved. Null: nothing to resume. */
  readonly checkpoint: Checkpoint | null;
}

/**
 * History a page already answers from its own records (HubSpot's computed per-stage "date
 * entered" properties), so the pull stage reads history (`dealHistory`) only for the rest.
 */
export interface PageHistory<C> {
  /** Ids whose history `changes` answers completely: no history read is made for them. */
  readonly answered: readonly string[];
  /** The changes of the `answered` ids, as a history read would return them. */
  readonly changes: readonly C[];
}

/** A page of deals; `history` is optional, so a plain `Page<Deal>` is one. */
export interface DealPage extends Page<Deal> {
  readonly history?: PageHistory<DealChange>;
}

/** A page of leads; `history` is optional, so a plain `Page<Lead>` is one. */
export interface LeadPage extends Page<Lead> {
  readonly history?: PageHistory<LeadOwnerChange>;
}

export interface TeamRef {
  readonly externalId: string;
  readonly name: string;
  readonly primary: boolean;
}

export interface Owner {
  readonly externalId: string;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly active: boolean;
  /** The CRM user behind the owner (HubSpot `userId`, Salesforce User Id): rep-level writes target it. */
  readonly userId: string | null;
  readonly managerId: string | null;
  readonly teams: readonly TeamRef[];
  /** Salesforce queues own leads but are not reps. */
  readonly isQueue: boolean;
  readonly createdAt: IsoInstant | null;
  readonly updatedAt: IsoInstant | null;
}

export interface Stage {
  readonly externalId: string;
  readonly label: string;
  readonly displayOrder: number;
  /** 0..1 */
  readonly probability: number | null;
  readonly isClosed: boolean;
  readonly isWon: boolean;
  /** CRM forecast category of the stage: `pipeline | best_case | commit | closed | omitted`. */
  readonly forecastCategory: ForecastCategory | null;
}

export type ForecastCategory = 'pipeline' | 'best_case' | 'commit' | 'closed' | 'omitted';

export interface Pipeline {
  readonly externalId: string;
  readonly label: string;
  readonly displayOrder: number;
  readonly stages: readonly Stage[];
}

export interface Deal {
  readonly externalId: string;
  readonly name: string | null;
  readonly pipelineId: string | null;
  readonly stageId: string | null;
  readonly ownerId: string | null;
  readonly amount: Decimal | null;
  readonly currency: string | null;
  /** Amount in the account's home currency at the CRM's rate. */
  readonly amountHome: Decimal | null;
  readonly createdAt: IsoInstant | null;
  readonly closeDate: IsoInstant | null;
  readonly forecastCategory: ForecastCategory | null;
  /** The CRM's own probability for the deal (0..1), when it keeps one per record. */
  readonly probability: number | null;
  readonly lastModifiedAt: IsoInstant;
  /** Ids of records merged into this one; the pull stage folds their rows into this id. */
  readonly mergedIds: readonly string[];
}

export interface DealChange {
  readonly dealId: string;
  readonly field: 'stage' | 'owner';
  readonly value: string | null;
  readonly changedAt: IsoInstant;
}

export interface Lead {
  readonly externalId: string;
  readonly email: string | null;
  readonly ownerId: string | null;
  readonly assignedAt: IsoInstant | null;
  /** Numeric lead score where the CRM has one (HubSpot). */
  readonly score: number | null;
  /** Rating where the CRM has one (Salesforce Hot/Warm/Cold). */
  readonly rating: string | null;
  readonly source: string | null;
  readonly status: string | null;
  readonly createdAt: IsoInstant | null;
  readonly lastModifiedAt: IsoInstant;
}

export interface LeadOwnerChange {
  readonly leadId: string;
  readonly ownerId: string | null;
  readonly changedAt: IsoInstant;
}

export interface Period {
  readonly start: IsoDate;
  readonly end: IsoDate;
}

export interface Quota {
  readonly externalId: string;
  /** Exactly one of ownerId / teamId. */
  readonly ownerId: string | null;
  readonly teamId: string | null;
  readonly periodStart: IsoDate;
  readonly periodEnd: IsoDate;
  readonly amount: Decimal;
  readonly currency: string | null;
}

export interface Split {
  readonly dealId: string;
  readonly ownerId: string;
  /** 0..100 */
  readonly percent: number;
}

export type FieldObject = 'deal' | 'rep';
/**
 * What `write` writes to: computed fields on deals and reps, or a lead's owner (`values` is
 * `{ owner: <owner id> }`, routing's choice: the CRM owner id, never a user id).
 */
export type WriteTarget = FieldObject | 'lead';
export type FieldType = 'percent' | 'currency' | 'number' | 'date' | 'text';

export interface FieldSpec {
  readonly object: FieldObject;
  /** Neutral name (`salesops_quota_attainment`); the connector maps it to its own convention. */
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly type: FieldType;
}

export interface FieldReport {
  readonly created: readonly { readonly object: FieldObject; readonly name: string }[];
  readonly existing: readonly { readonly object: FieldObject; readonly name: string }[];
  readonly failed: readonly {
    readonly object: FieldObject;
    readonly name: string;
    readonly reason: string;
  }[];
  /** Plain-language notes for the admin (e.g. "rep values go to SalesOps_Scorecard__c"). */
  readonly notes: readonly string[];
  /** Mutating calls made (0 on a dry run or when everything existed). */
  readonly calls: number;
}

export interface FieldWrite {
  readonly recordId: string;
  readonly values: { readonly [field: string]: string | number | null };
}

export interface WriteResult {
  readonly recordId: string;
  readonly ok: boolean;
  /** When the CRM resolved the id to another record (a merge), the surviving id. */
  readonly resolvedId?: string;
  readonly reason?: string;
  /** The neutral field name the rejection is about, when the CRM names one. */
  readonly field?: string;
  /**
   * `field_missing`: the record was refused because `field` does not exist in the CRM (deleted
   * by an admin, or never provisioned). The push stage then re-ensures fields once and retries.
   */
  readonly code?: 'field_missing';
}

/**
 * A stream the pull stage can read from a connector. Splits are no stream of their own: they
 * belong to the deals whose history is fetched, where the connector has `splits()`.
 */
export type StreamName = 'owners' | 'pipelines' | 'deals' | 'leads' | 'quotas';

export interface CrmConnector {
  readonly kind: CrmKind;
  /**
   * The streams this connector serves, in the order the pull stage walks them: owners and
   * pipelines before the deals that point at them. `quotas` only where `quotas()` exists.
   */
  readonly streams: readonly StreamName[];
  account(): Promise<AccountInfo>;
  owners(): AsyncIterable<Page<Owner>>;
  pipelines(): Promise<readonly Pipeline[]>;
  /** Pages may carry the history of some of their deals (`DealPage.history`). */
  deals(since: Checkpoint | null): AsyncIterable<DealPage>;
  dealHistory(ids: readonly string[]): AsyncIterable<DealChange>;
  /**
   * Ids one `dealHistory` request reads (HubSpot 50, a Salesforce IN list). The pull stage then
   * gathers the ids its pages leave unanswered across a few pages, up to this many, before it
   * reads; without it, each page's ids are read on their own.
   */
  readonly historyBatch?: number;
  /** Pages may carry the owner history of some of their leads (`LeadPage.history`). */
  leads(since: Checkpoint | null): AsyncIterable<LeadPage>;
  leadHistory(ids: readonly string[]): AsyncIterable<LeadOwnerChange>;
  /**
   * Every live id, for the periodic full check of hard deletes (daily, or `--full`), never on a
   * first sync (an empty warehouse has nothing to delete).
   */
  existingIds(kind: 'deal' | 'lead'): AsyncIterable<readonly string[]>;
  /**
   * The CRM's own delete signal, for a connector whose stream pages do not carry it in
   * `Page.deletedIds`: ids deleted since the stream's checkpoint `since` (the one the run
   * started from). Called on every run that is not a first sync, after the kind's stream.
   */
  deletedIds?(kind: 'deal' | 'lead', since: Checkpoint): AsyncIterable<readonly string[]>;
  quotas?(range: Period): AsyncIterable<Quota>;
  splits?(ids: readonly string[]): AsyncIterable<Split>;
  ensureFields(specs: readonly FieldSpec[], opts: { readonly dryRun: boolean }): Promise<FieldReport>;
  /**
   * Writes computed values onto CRM records (DESIGN §6). The push stage owns batching, so:
   * - `writes.length` ≤ the CRM's batch maximum (HubSpot 100, Salesforce 200), and the connector
   *   makes exactly ONE API call per invocation (the push stage counts calls from invocations);
   * - target `deal`: `recordId` is the deal's external id;
   *   target `rep`: `recordId` is the owner's `user_id` (HubSpot owner `userId`, Salesforce User
   *   Id) and the connector resolves its own record for that user (HubSpot `users` object by
   *   `hs_internal_user_id`; Salesforce `User`, or the `SalesOps_Scorecard__c` fallback);
   *   target `lead`: `recordId` is the lead's external id and `values` is `{ owner }`, the owner's
   *   external id (HubSpot contact `hubspot_owner_id`; Salesforce Lead `OwnerId`, sent with
   *   `Sforce-Auto-Assign: FALSE` so the org's assignment rules leave it alone);
   * - `values` are keyed by neutral field name; numbers are already rounded, dates are
   *   `YYYY-MM-DD`, null clears the field;
   * - one result per input record, `recordId` = the input's id: `resolvedId` when the CRM wrote
   *   to a surviving merged record, `ok: false` with the CRM's `reason` when it refused the
   *   record, `code: 'field_missing'` (+ `field`) when the refusal is a missing field — also when
   *   the CRM refuses the whole call for that reason (return one such result per record
   *   instead of throwing). A record missing from the results counts as not written.
   * Never throws for one record's failure; throws a ConnectorError when the whole call fails
   * (`invalid_request` / `not_found` make the push stage bisect the batch to isolate the bad
   * record; `rate_limited`, `transient`, `deferred`, `auth` end the stage and nothing is lost).
   */
  write(target: WriteTarget, writes: readonly FieldWrite[]): Promise<readonly WriteResult[]>;
}

/** Rolling-window request budget for one CRM account (see rate-budget.ts). */
export interface RequestBudget {
  /** Resolves when one request of this bucket may be sent now. */
  acquire(bucket?: 'default' | 'search'): Promise<void>;
  /** Feed back what the vendor said about its own counters. */
  observe(signal: {
    readonly limit?: number;
    readonly remaining?: number;
    readonly bucket?: 'default' | 'search';
  }): Promise<void>;
}

export interface TokenStore {
  load(): Promise<Readonly<Record<string, string>>>;
  save(update: Readonly<Record<string, string>>): Promise<void>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** The I/O a connector is given; nothing else reaches the outside world. */
export interface ConnectorDeps {
  readonly fetch: typeof globalThis.fetch;
  readonly budget: RequestBudget;
  readonly tokens: TokenStore;
  readonly clock: Clock;
}
