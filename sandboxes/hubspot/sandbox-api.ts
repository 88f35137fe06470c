/** The public shape of the HubSpot sandbox: its options, its handle, and the read-only data view. */
import type { AccountDetails, SandboxGoal, SandboxOwner, SandboxPipeline, Team } from './generate-portal.js';
import type { OAuthCredentials } from './oauth-tokens.js';
import type { PropertyDefinition, PropertyGroupDefinition } from './property-catalog.js';
import type { ObjectType, SandboxRecord } from './sandbox-record.js';

export interface HubspotSandboxOptions {
  /** 0 or undefined: a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 1. */
  readonly seed?: number;
  /** Default 2,000; generated lazily, so 1,000,000 costs little memory. */
  readonly deals?: number;
  /** Contacts (leads). Default 3,000. */
  readonly contacts?: number;
  /** "Today" of the generated company; its history is the year before. Default: the clock's now. */
  readonly now?: Date;
  /** Requests per rolling 10 s (TEN_SECONDLY_ROLLING). Undefined: unlimited, and no rate headers. */
  readonly rateLimit?: number;
  /** Search requests per second (SECONDLY). Default 5 when `rateLimit` is set, else unlimited. */
  readonly searchRateLimit?: number;
  /** Requests per day (DAILY), reset at midnight in the portal's time zone. */
  readonly dailyLimit?: number;
  /** Fixed delay before each response. */
  readonly latencyMs?: number;
  /** 0..1: share of requests that fail with a 5xx, a dropped connection or truncated JSON. */
  readonly faultRate?: number;
  /** One SDR gets ~1.8x their fair share of contacts for seven weeks. Default false. */
  readonly unfairLeadStretch?: boolean;
  /** OAuth access-token lifetime. Default 30 minutes, as HubSpot's. */
  readonly tokenTtlMs?: number;
  /** Milliseconds since the epoch; inject to test windows and expiry without waiting. */
  readonly clock?: () => number;
}

export interface RequestRecord {
  /** Milliseconds since the epoch, from the sandbox clock. */
  readonly at: number;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The query string without `?` ('' when none): tells a full listing from an id listing. */
  readonly query: string;
  /** Property history was asked for (`propertiesWithHistory` in the query or the body). */
  readonly withHistory: boolean;
  /** 0 when the connection was dropped on purpose. */
  readonly status: number;
  readonly mutating: boolean;
  readonly search: boolean;
}

export interface HubspotSandboxData {
  readonly account: AccountDetails;
  readonly teams: readonly Team[];
  /** Active and archived owners. */
  readonly owners: readonly SandboxOwner[];
  readonly pipelines: readonly SandboxPipeline[];
  readonly goals: readonly SandboxGoal[];
  /** The contact owner favoured during the unfair stretch, and when; null without one. */
  readonly unfairStretch: { readonly ownerId: string; readonly from: number; readonly to: number } | null;
  readonly dealCount: number;
  readonly contactCount: number;
  /** Live or archived records in id order, as the list endpoint would page them. */
  records(object: ObjectType, options?: { readonly archived?: boolean }): Iterable<SandboxRecord>;
  deals(options?: { readonly archived?: boolean }): Iterable<SandboxRecord>;
  contacts(options?: { readonly archived?: boolean }): Iterable<SandboxRecord>;
  users(): readonly SandboxRecord[];
  goalTargets(): readonly SandboxRecord[];
  /** The record now, archived or not; a merged-away id gives null (use `resolve`). */
  get(object: ObjectType, id: string): SandboxRecord | null;
  /** The surviving id after merges. */
  resolve(object: ObjectType, id: string): string | null;
  properties(object: ObjectType): readonly PropertyDefinition[];
  groups(object: ObjectType): readonly PropertyGroupDefinition[];
  /** Property values written through batch update, per record id. */
  written(object: ObjectType): ReadonlyMap<string, Readonly<Record<string, string | null>>>;
}

export interface HubspotSandbox {
  /** E.g. `http://127.0.0.1:41234`, with no trailing slash: pass it as the client's `basePath`. */
  readonly baseUrl: string;
  readonly port: number;
  /** A private-app token the sandbox accepts; it never expires. */
  readonly accessToken: string;
  /** For the refresh grant at `POST /oauth/v1/token`. */
  readonly oauth: OAuthCredentials;
  readonly requests: readonly RequestRecord[];
  readonly data: HubspotSandboxData;
  /** Edits as a user in the HubSpot UI would make them (history entries, modified date bumped). */
  editDeal(id: string, props: Readonly<Record<string, string | null>>, at?: number): void;
  archiveDeal(id: string, at?: number): void;
  /** Permanently deletes a deal (GDPR, or purged from the recycle bin): in no listing at all. */
  deleteDeal(id: string): void;
  /** `mergedId` disappears; reads of it return the survivor, whose `hs_merged_object_ids` lists it. */
  mergeDeals(survivorId: string, mergedId: string, at?: number): void;
  /** The first `count` deals all get `hs_lastmodifieddate` = `at`, as a bulk import does. */
  bulkEditDeals(count: number, at: number): void;
  editContact(id: string, props: Readonly<Record<string, string | null>>, at?: number): void;
  archiveContact(id: string, at?: number): void;
  reassignContact(id: string, ownerId: string | null, at?: number): void;
  /**
   * A new contact (a form fill) created at `at` (default now), with no owner unless `props` names
   * one; returns its id. For routing: the lead a rotation must give an owner.
   */
  createContact(props: Readonly<Record<string, string | null>>, at?: number): string;
  /** An admin deletes a custom property: later writes to it fail with PROPERTY_DOESNT_EXIST. */
  deleteProperty(object: ObjectType, name: string): void;
  resetRequests(): void;
  close(): Promise<void>;
}
