import { sql } from 'kysely';
import { z } from 'zod';
import type { AccountInfo } from '../../connectors/connector.js';
import { salesforceCredentialsSchema } from '../../connectors/salesforce/auth.js';
import type { Db } from '../db.js';
import { DomainError } from '../domain-error.js';
import { registerSecret } from '../logger.js';
import { removeSchedule } from '../warehouse/schedules.js';
import type { ConnectionRow } from '../warehouse/tables.js';
import { type KeyRing, open, seal } from './credentials-cipher.js';

/**
 * Stored connections. Credentials are a JSON object sealed as one value; only this module sees
 * them in clear, and every value it opens is registered with the logger for masking.
 */
export const hubspotCredentials = z.union([
  z.object({ method: z.literal('private_app'), accessToken: z.string().min(1) }),
  z.object({
    method: z.literal('oauth'),
    refreshToken: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    accessToken: z.string().optional(),
    expiresAt: z.string().optional(),
  }),
]);

/** Salesforce's shapes are the connector's own: one schema for what is stored and what is read. */
export const salesforceCredentials = salesforceCredentialsSchema;

export type HubspotCredentials = z.infer<typeof hubspotCredentials>;
export type SalesforceCredentials = z.infer<typeof salesforceCredentials>;
export type Credentials = HubspotCredentials | SalesforceCredentials;

export const HUBSPOT_TIERS = ['free', 'starter', 'professional', 'enterprise', 'oauth'] as const;
export type HubspotTier = (typeof HUBSPOT_TIERS)[number];

export interface Connection {
  readonly id: number;
  readonly name: string;
  readonly kind: 'hubspot' | 'salesforce';
  readonly baseUrl: string | null;
  readonly loginUrl: string | null;
  readonly apiVersion: string | null;
  readonly tier: string | null;
  readonly authMethod: string;
  readonly accountId: string | null;
  /** Effective settings: the admin's override, else the CRM's, else the documented default. */
  readonly timeZone: string;
  readonly fiscalYearStartMonth: number;
  readonly currency: string | null;
  readonly multiCurrency: boolean;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export class ConnectionNotFoundError extends DomainError {
  override readonly name = 'ConnectionNotFoundError';
  constructor(name: string) {
    super(`No connection is named "${name}"; run \`salesops connections list\` to see the names.`);
  }
}

export class DuplicateConnectionError extends DomainError {
  override readonly name = 'DuplicateConnectionError';
  constructor(name: string) {
    super(`A connection named "${name}" already exists; choose another --name or remove it first.`);
  }
}

export function toConnection(row: ConnectionRow): Connection {
  return Object.freeze({
    id: row.id,
    name: row.name,
    kind: row.kind,
    baseUrl: row.base_url,
    loginUrl: row.login_url,
    apiVersion: row.api_version,
    tier: row.tier,
    authMethod: row.auth_method,
    accountId: row.account_id,
    timeZone: row.time_zone_override ?? row.crm_time_zone ?? 'UTC',
    fiscalYearStartMonth: row.fiscal_year_start_override ?? row.crm_fiscal_year_start ?? 1,
    currency: row.currency,
    multiCurrency: row.multi_currency,
    settings: Object.freeze({ ...row.settings }),
    createdAt: row.created_at,
  });
}

/** One connection by id, removed or not (a run in flight may outlive its connection's removal). */
export async function loadConnection(db: Db, id: number): Promise<Connection> {
  return toConnection(
    await db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

/**
 * Stores what the CRM reported in `account()`, apart from the admin's overrides. Unchanged
 * settings write nothing, so a sync does not touch the row (nor its `updated_at`) each run.
 */
export async function saveAccountSettings(db: Db, connectionId: number, account: AccountInfo): Promise<void> {
  await db
    .updateTable('connections')
    .set({
      account_id: account.accountId,
      crm_time_zone: account.timeZone,
      crm_fiscal_year_start: account.fiscalYearStartMonth,
      currency: account.currency,
      multi_currency: account.multiCurrency,
    })
    .where('id', '=', connectionId)
    .where(
      sql<boolean>`(account_id, crm_time_zone, crm_fiscal_year_start, currency, multi_currency) is distinct from
        (${account.accountId}, ${account.timeZone}, ${account.fiscalYearStartMonth}, ${account.currency}, ${account.multiCurrency})`,
    )
    .execute();
}

export interface NewConnectionInput {
  readonly name: string;
  readonly kind: 'hubspot' | 'salesforce';
  readonly credentials: Credentials;
  readonly baseUrl?: string | null;
  readonly loginUrl?: string | null;
  readonly apiVersion?: string | null;
  readonly tier?: string | null;
}

export interface ConnectionStore {
  add(input: NewConnectionInput): Promise<Connection>;
  list(): Promise<readonly Connection[]>;
  get(name: string): Promise<Connection>;
  getById(id: number): Promise<Connection>;
  update(name: string, changes: ConnectionChanges): Promise<Connection>;
  /** Without purge the warehouse rows stay (for audit) and the credentials are destroyed. */
  remove(name: string, options?: { readonly purge?: boolean }): Promise<void>;
  credentials(id: number): Promise<Credentials>;
  saveCredentials(id: number, credentials: Credentials): Promise<void>;
}

export interface ConnectionChanges {
  readonly timeZone?: string;
  readonly fiscalYearStartMonth?: number;
  readonly tier?: string;
  readonly baseUrl?: string;
  readonly loginUrl?: string;
  readonly apiVersion?: string;
  readonly settings?: Readonly<Record<string, unknown>>;
  /** What the CRM reported in `account()`; stored apart from the admin's overrides. */
  readonly account?: {
    readonly accountId: string;
    readonly timeZone: string;
    readonly fiscalYearStartMonth: number | null;
    readonly currency: string;
    readonly multiCurrency: boolean;
  };
}

export function createConnectionStore(db: Db, keys: KeyRing): ConnectionStore {
  const byName = async (name: string): Promise<ConnectionRow> => {
    const row = await db
      .selectFrom('connections')
      .selectAll()
      .where('name', '=', name)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new ConnectionNotFoundError(name);
    return row;
  };

  const credentials = async (id: number): Promise<Credentials> => {
    const row = await db
      .selectFrom('connections')
      .select(['name', 'kind', 'credentials_enc', 'credentials_key_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const clear = open(
      keys,
      { keyId: row.credentials_key_id, ciphertext: row.credentials_enc },
      `credentials of connection "${row.name}"`,
    );
    const parsed = (row.kind === 'hubspot' ? hubspotCredentials : salesforceCredentials).parse(
      JSON.parse(clear),
    );
    for (const value of Object.values(parsed)) registerSecret(value);
    return parsed;
  };

  return {
    async add(input) {
      const sealed = seal(keys, JSON.stringify(input.credentials));
      try {
        const row = await db
          .insertInto('connections')
          .values({
            name: input.name,
            kind: input.kind,
            base_url: input.baseUrl ?? null,
            login_url: input.loginUrl ?? null,
            api_version: input.apiVersion ?? null,
            tier: input.tier ?? null,
            auth_method: input.credentials.method,
            credentials_enc: sealed.ciphertext,
            credentials_key_id: sealed.keyId,
            account_id: null,
            crm_time_zone: null,
            crm_fiscal_year_start: null,
            currency: null,
            time_zone_override: null,
            fiscal_year_start_override: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toConnection(row);
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new DuplicateConnectionError(input.name);
        throw error;
      }
    },

    async list() {
      const rows = await db
        .selectFrom('connections')
        .selectAll()
        .where('removed_at', 'is', null)
        .orderBy('name')
        .execute();
      return rows.map(toConnection);
    },

    async get(name) {
      return toConnection(await byName(name));
    },

    async getById(id) {
      return loadConnection(db, id);
    },

    async update(name, changes) {
      const row = await byName(name);
      const updated = await db
        .updateTable('connections')
        .set({
          ...(changes.timeZone !== undefined && { time_zone_override: changes.timeZone }),
          ...(changes.fiscalYearStartMonth !== undefined && {
            fiscal_year_start_override: changes.fiscalYearStartMonth,
          }),
          ...(changes.tier !== undefined && { tier: changes.tier }),
          ...(changes.baseUrl !== undefined && { base_url: changes.baseUrl }),
          ...(changes.loginUrl !== undefined && { login_url: changes.loginUrl }),
          ...(changes.apiVersion !== undefined && { api_version: changes.apiVersion }),
          ...(changes.settings !== undefined && {
            settings: JSON.stringify({ ...row.settings, ...changes.settings }),
          }),
          ...(changes.account !== undefined && {
            account_id: changes.account.accountId,
            crm_time_zone: changes.account.timeZone,
            crm_fiscal_year_start: changes.account.fiscalYearStartMonth,
            currency: changes.account.currency,
            multi_currency: changes.account.multiCurrency,
          }),
          updated_at: new Date(),
        })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toConnection(updated);
    },

    async remove(name, options = {}) {
      const row = await byName(name);
      if (options.purge) {
        // Every warehouse table cascades from connections.
        await db.deleteFrom('connections').where('id', '=', row.id).execute();
        return;
      }
      await db.transaction().execute(async (trx) => {
        await removeSchedule(trx, row.id);
        await trx
          .updateTable('connections')
          .set({ removed_at: new Date(), credentials_enc: 'removed', updated_at: new Date() })
          .where('id', '=', row.id)
          .execute();
      });
    },

    credentials,

    async saveCredentials(id, value) {
      const sealed = seal(keys, JSON.stringify(value));
      for (const secret of Object.values(value)) registerSecret(secret);
      await db
        .updateTable('connections')
        .set({
          credentials_enc: sealed.ciphertext,
          credentials_key_id: sealed.keyId,
          // `connections set` may switch method (a private-app token for an OAuth app).
          auth_method: value.method,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .execute();
    },
  };
}
