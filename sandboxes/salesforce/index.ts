import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { ApiError } from './api-error.js';
import { Cursors } from './cursors.js';
import { unfairStretch } from './generator/leads.js';
import { ApiLimits } from './limits.js';
import type { SandboxState } from './routes/context.js';
import { JWT_AUDIENCES } from './routes/oauth-routes.js';
import { type RequestRecord, SandboxServer } from './server.js';
import { Sessions } from './sessions.js';
import { type FieldWriteLog, OrgStore } from './store.js';
import type { Row, Value } from './table.js';

export type { RequestRecord } from './server.js';
export type { Row, Value } from './table.js';

export interface SalesforceSandboxOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1. */
  seed?: number;
  /** Opportunities; default 2,000. Generated lazily, so 1,000,000 is fine. */
  deals?: number;
  /** Leads; default 1.5 × deals. */
  leads?: number;
  /** "Today" of the generated org; history covers the year before. Default: now. */
  now?: Date;
  /** CurrencyIsoCode on records, CurrencyType rates. Default false. */
  multiCurrency?: boolean;
  /** DailyApiRequests Max (rolling 24 h). Default 100,000. */
  dailyLimit?: number;
  /** At most this many API requests per rolling `rateLimitWindowMs` (default 1 s); off by default. */
  rateLimit?: number;
  rateLimitWindowMs?: number;
  /** Delay before every response (real timers). Default 0. */
  latencyMs?: number;
  /** Share of requests that fail (503, 500 or a dropped connection), drawn from the seed. Default 0. */
  faultRate?: number;
  /** Access tokens expire this long after issue. Default 2 hours. */
  sessionTtlMs?: number;
  /** New custom fields stay invisible until a permission set grants them and is assigned. Default false. */
  strictFieldPermissions?: boolean;
  /** Default true; false: User updates fail with INSUFFICIENT_ACCESS_OR_READONLY. */
  manageUsers?: boolean;
  /** One SDR gets ~1.8× their fair share of leads for six weeks (weeks 16–10 before now). Default true. */
  unfairLeadStretch?: boolean;
  /**
   * The certificate (X.509 PEM) or public key (PEM) registered on the connected app: JWT bearer
   * assertions must carry an RS256 signature it verifies. Without one, JWT bearer is refused.
   */
  jwtCertificate?: string;
  /** Time source for token expiry, cursor expiry, API usage and write timestamps. */
  clock?: { now(): number };
}

export interface CustomFieldInfo {
  readonly object: string;
  readonly name: string;
  readonly type: string;
  readonly label: string;
}

export interface PermissionSetInfo {
  readonly id: string;
  readonly name: string;
  readonly assignedToIntegrationUser: boolean;
  readonly fields: readonly { readonly field: string; readonly read: boolean; readonly edit: boolean }[];
}

/** Read access to the org's current state. Rows are raw: datetimes as epoch ms, dates as `YYYY-MM-DD`. */
export interface SalesforceSandboxData {
  readonly orgId: string;
  readonly integrationUserId: string;
  readonly timeZone: string;
  readonly fiscalYearStartMonth: number;
  /** The favoured SDR and the window of the unfair lead stretch (whether or not it is enabled). */
  readonly unfairLeadStretch: { readonly start: Date; readonly end: Date; readonly ownerId: string };
  /** Every row of an object, soft-deleted included, hard-deleted not. Scans generated rows: mind large orgs. */
  records(object: string): Row[];
  get(object: string, id: string): Row | undefined;
  /** Every field value written through the API or the helpers, in order. */
  readonly fieldWrites: readonly FieldWriteLog[];
  customFields(object?: string): CustomFieldInfo[];
  permissionSets(): PermissionSetInfo[];
  /** DailyApiRequests used in the rolling 24 hours. */
  apiUsage(): { readonly used: number; readonly max: number };
}

export interface SalesforceSandbox {
  readonly instanceUrl: string;
  /** Same server as instanceUrl (a My Domain token URL). */
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** A live access token for the integration user, issued at start (expires like any other). */
  readonly accessToken: string;
  /** A refresh token for the integration user, as after an earlier web-server flow. */
  readonly refreshToken: string;
  readonly requests: readonly RequestRecord[];
  readonly data: SalesforceSandboxData;
  /** Sets fields as a user edit would (moves SystemModstamp; stage/owner changes write history). */
  edit(object: string, id: string, fields: Record<string, Value>): void;
  /** To the recycle bin: IsDeleted = true, still returned by queryAll. */
  softDelete(object: string, id: string): void;
  /** Gone entirely: not in queryAll either. */
  hardDelete(object: string, id: string): void;
  reassign(object: string, id: string, ownerId: string): void;
  /** Deletes a custom field as an admin would in Setup (its field permissions go too). */
  deleteCustomField(object: string, field: string): void;
  /** The next `n` records written fail with UNABLE_TO_LOCK_ROW. */
  failNextWithLockRow(n: number): void;
  /** Every issued access token stops working (401 INVALID_SESSION_ID); refresh tokens keep working. */
  expireSessions(): void;
  /** Pretend `n` API requests were already made in the rolling day. */
  spendApiRequests(n: number): void;
  resetRequests(): void;
  close(): Promise<void>;
}

export async function startSalesforceSandbox(
  options: SalesforceSandboxOptions = {},
): Promise<SalesforceSandbox> {
  const clock = options.clock ?? { now: () => Date.now() };
  const seed = options.seed ?? 1;
  const deals = options.deals ?? 2000;
  const startedAt = clock.now();
  const orgStart = (options.now ?? new Date()).getTime();
  const store = new OrgStore({
    seed,
    deals,
    leads: options.leads ?? Math.round(deals * 1.5),
    now: orgStart,
    multiCurrency: options.multiCurrency ?? false,
    unfairLeadStretch: options.unfairLeadStretch ?? true,
    strictFieldPermissions: options.strictFieldPermissions ?? false,
    manageUsers: options.manageUsers ?? true,
    // The org's clock starts at `now` and advances with the injected clock.
    orgNow: () => orgStart + (clock.now() - startedAt),
  });
  const m = store.model;
  const state: SandboxState = {
    store,
    cursors: new Cursors(clock),
    limits: new ApiLimits({
      dailyLimit: options.dailyLimit ?? 100_000,
      rateLimit: options.rateLimit ?? null,
      rateWindowMs: options.rateLimitWindowMs ?? 1000,
      faultRate: options.faultRate ?? 0,
      seed,
      clock,
    }),
    sessions: new Sessions(m.orgId, options.sessionTtlMs ?? 2 * 3_600_000, clock, seed),
    writes: { lockFailures: 0 },
    clientId: `3MVG9${m.orgId.slice(3, 15)}SandboxClient${seed}`,
    clientSecret: `SANDBOX${String(seed).padStart(4, '0')}SECRET${m.orgId.slice(-6)}`,
    clock,
    jwt: { certificate: registeredKey(options.jwtCertificate), audiences: JWT_AUDIENCES },
    baseUrl: '',
  };
  const server = new SandboxServer(state, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    latencyMs: options.latencyMs ?? 0,
  });
  state.baseUrl = await server.listen();
  const accessToken = state.sessions.issueAccess(m.integrationUserId).token;
  const refreshToken = state.sessions.issueRefresh(m.integrationUserId);

  const tableOf = (object: string) => {
    const t = store.table(object);
    if (!t) throw new Error(`unknown object ${object}`);
    return t;
  };
  const handleOf = (object: string, id: string) => {
    const t = tableOf(object);
    const h = t.handleOf(id);
    if (h === undefined) throw new Error(`no ${object} with id ${id}`);
    return { t, h };
  };
  const stretch = unfairStretch(m);
  const data: SalesforceSandboxData = {
    orgId: m.orgId,
    integrationUserId: m.integrationUserId,
    timeZone: m.timeZone,
    fiscalYearStartMonth: m.fiscalYearStartMonth,
    unfairLeadStretch: {
      start: new Date(stretch.start),
      end: new Date(stretch.end),
      ownerId: stretch.favouredId,
    },
    records: (object) => store.rowsOf(object),
    get: (object, id) => tableOf(object).get(id),
    fieldWrites: store.fieldWrites,
    customFields: (object) =>
      store
        .objects()
        .filter((t) => object === undefined || t.name.toLowerCase() === object.toLowerCase())
        .flatMap((t) =>
          t.def.fields
            .filter((f) => f.custom)
            .map((f) => ({ object: t.name, name: f.name, type: f.type, label: f.label })),
        ),
    permissionSets: () => {
      const assigned = new Set(
        store
          .rowsOf('PermissionSetAssignment')
          .filter((a) => a['AssigneeId'] === m.integrationUserId)
          .map((a) => a['PermissionSetId']),
      );
      const perms = store.rowsOf('FieldPermissions');
      return store.rowsOf('PermissionSet').map((s) => ({
        id: String(s['Id']),
        name: String(s['Name']),
        assignedToIntegrationUser: assigned.has(s['Id'] ?? null),
        fields: perms
          .filter((p) => p['ParentId'] === s['Id'])
          .map((p) => ({
            field: String(p['Field']),
            read: p['PermissionsRead'] === true,
            edit: p['PermissionsEdit'] === true,
          })),
      }));
    },
    apiUsage: () => ({ used: state.limits.used(), max: state.limits.max }),
  };

  return {
    instanceUrl: state.baseUrl,
    loginUrl: state.baseUrl,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    accessToken,
    refreshToken,
    get requests() {
      return server.requests;
    },
    data,
    edit: (object, id, fields) => {
      const { t, h } = handleOf(object, id);
      store.applyUpdate(t, h, fields, m.integrationUserId);
    },
    softDelete: (object, id) => {
      const { t, h } = handleOf(object, id);
      if (!t.def.hasIsDeleted) throw new Error(`${object} has no recycle bin; use hardDelete`);
      store.softDelete(t, h);
    },
    hardDelete: (object, id) => {
      const { t, h } = handleOf(object, id);
      t.hardDelete(h);
    },
    reassign: (object, id, ownerId) => {
      const { t, h } = handleOf(object, id);
      store.applyUpdate(t, h, { OwnerId: ownerId }, m.integrationUserId);
    },
    deleteCustomField: (object, field) => store.deleteCustomField(object, field),
    failNextWithLockRow: (n) => {
      state.writes.lockFailures = n;
    },
    expireSessions: () => state.sessions.expireAll(),
    spendApiRequests: (n) => state.limits.spend(n),
    resetRequests: () => {
      server.requests.length = 0;
    },
    close: () => server.close(),
  };
}

/** The public key of the registered certificate; a bad PEM is a test-setup mistake, so it throws. */
function registeredKey(pem: string | undefined): KeyObject | null {
  if (pem === undefined) return null;
  return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

export { ApiError };
