/**
 * HubSpot HTTP transport: auth (private-app token or OAuth refresh), the shared rate budget,
 * timeouts, vendor rate headers fed back to the budget, and HTTP status → ConnectorError through
 * the one table in spec.ts. All requests go through the injected fetch.
 *
 * Why not the generated APIs of @hubspot/api-client 13.4.0: they call node-fetch directly (no
 * injected fetch, so no test seam and no timeout), and they drop the headers of error responses
 * that the 429 handling needs. The client's process-wide retry/limiter decorators are still
 * neutralised (see `neutraliseClientDecorators`) so no other code in the process retries for us.
 */
import { Client } from '@hubspot/api-client';
import type { z } from 'zod';
import type { ConnectorDeps } from '../connector.js';
import { ConnectorError } from '../connector-error.js';
import { errorBodySchema, tokenSchema } from './schemas.js';
import {
  DAILY_RESERVE,
  ENDPOINTS,
  type EndpointName,
  errorRuleFor,
  RATE_HEADERS,
  REQUEST_TIMEOUT_MS,
} from './spec.js';

export const DEFAULT_BASE_URL = 'https://api.hubapi.com';

export type HubspotCredentials =
  | { readonly method: 'private_app'; readonly accessToken: string }
  | {
      readonly method: 'oauth';
      readonly refreshToken: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly accessToken?: string;
      readonly expiresAt?: string;
    };

export interface HubspotApiOptions {
  readonly baseUrl?: string | null;
  readonly deps: ConnectorDeps;
  readonly timeoutMs?: number;
}

export interface CallOptions {
  readonly object?: string;
  readonly query?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: unknown;
}

export interface HubspotApi {
  call<T>(endpoint: EndpointName, schema: z.ZodType<T>, options?: CallOptions): Promise<T>;
  /** Requests sent (for tests and the bench). */
  readonly sent: () => number;
}

let decoratorsNeutralised = false;

/**
 * 13.4.0 keeps its retry and limiter decorators in a process-wide singleton that every `new
 * Client()` overwrites (the last one built wins). Building one with retries 0 and no limiter
 * clears them, so a Client built elsewhere with defaults cannot retry behind the budget's back.
 */
export function neutraliseClientDecorators(): void {
  if (decoratorsNeutralised) return;
  new Client({ numberOfApiCallRetries: 0 });
  decoratorsNeutralised = true;
}

function parseCredentials(raw: Readonly<Record<string, string>>): HubspotCredentials {
  if (raw['method'] === 'oauth' && raw['refreshToken'] && raw['clientId'] && raw['clientSecret']) {
    return {
      method: 'oauth',
      refreshToken: raw['refreshToken'],
      clientId: raw['clientId'],
      clientSecret: raw['clientSecret'],
      ...(raw['accessToken'] && { accessToken: raw['accessToken'] }),
      ...(raw['expiresAt'] && { expiresAt: raw['expiresAt'] }),
    };
  }
  if (raw['accessToken']) return { method: 'private_app', accessToken: raw['accessToken'] };
  throw new ConnectorError(
    'auth',
    'The stored HubSpot credentials are incomplete; add the connection again with an access token or OAuth refresh token.',
  );
}

function headerInt(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function buildUrl(base: string, path: string, query: CallOptions['query']): string {
  const url = new URL(base + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (typeof value === 'string') url.searchParams.set(key, value);
    else url.searchParams.set(key, value.join(','));
  }
  return url.toString();
}

const REFRESH_MARGIN_MS = 60_000;

export function createHubspotApi(options: HubspotApiOptions): HubspotApi {
  neutraliseClientDecorators();
  const { deps } = options;
  const base = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  let credentials: HubspotCredentials | null = null;
  let accessToken: string | null = null;
  let expiresAt = 0;
  let refreshing: Promise<void> | null = null;
  let sent = 0;
  let belowDailyReserve = false;

  const send = async (url: string, init: RequestInit): Promise<Response> => {
    sent++;
    try {
      return await deps.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new ConnectorError(
        'transient',
        timedOut
          ? `HubSpot did not answer within ${timeoutMs} ms; the job retries.`
          : `HubSpot could not be reached (${error instanceof Error ? error.message : String(error)}); the job retries.`,
        { cause: error },
      );
    }
  };

  const loadCredentials = async (): Promise<HubspotCredentials> => {
    if (credentials) return credentials;
    credentials = parseCredentials(await deps.tokens.load());
    if (credentials.method === 'private_app') accessToken = credentials.accessToken;
    else if (credentials.accessToken) {
      accessToken = credentials.accessToken;
      expiresAt = credentials.expiresAt ? Date.parse(credentials.expiresAt) : 0;
    }
    return credentials;
  };

  const refresh = async (creds: Extract<HubspotCredentials, { method: 'oauth' }>): Promise<void> => {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      refresh_token: creds.refreshToken,
    });
    const response = await send(base + ENDPOINTS.token.path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const text = await response.text();
    const parsed = response.ok ? tokenSchema.safeParse(safeJson(text)) : null;
    if (!parsed?.success) throw tokenError(response.status);
    accessToken = parsed.data.access_token;
    expiresAt = deps.clock.now().getTime() + parsed.data.expires_in * 1000;
    credentials = {
      ...creds,
      accessToken,
      expiresAt: new Date(expiresAt).toISOString(),
      ...(parsed.data.refresh_token && { refreshToken: parsed.data.refresh_token }),
    };
    await deps.tokens.save({
      accessToken,
      expiresAt: new Date(expiresAt).toISOString(),
      ...(parsed.data.refresh_token && { refreshToken: parsed.data.refresh_token }),
    });
  };

  const ensureToken = async (force: boolean): Promise<void> => {
    const creds = await loadCredentials();
    if (creds.method !== 'oauth') return;
    const stale = accessToken === null || expiresAt - REFRESH_MARGIN_MS <= deps.clock.now().getTime();
    if (!force && !stale) return;
    refreshing ??= refresh(creds).finally(() => {
      refreshing = null;
    });
    await refreshing;
  };

  const call = async <T>(
    endpoint: EndpointName,
    schema: z.ZodType<T>,
    opts: CallOptions = {},
  ): Promise<T> => {
    const spec = ENDPOINTS[endpoint];
    const path = spec.path.replace('{object}', opts.object ?? '');
    const url = buildUrl(base, path, opts.query);
    if (belowDailyReserve) {
      throw new ConnectorError(
        'deferred',
        "HubSpot's daily API allowance for this portal is nearly spent (the reserve for other integrations is left); the next run after midnight (portal time) resumes from the checkpoint.",
      );
    }
    await ensureToken(false);
    for (let attempt = 0; ; attempt++) {
      await deps.budget.acquire(spec.bucket);
      const response = await send(url, {
        method: spec.method,
        headers: {
          authorization: `Bearer ${accessToken ?? ''}`,
          accept: 'application/json',
          ...(opts.body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
      });
      const daily = headerInt(response.headers, RATE_HEADERS.daily);
      const dailyRemaining = headerInt(response.headers, RATE_HEADERS.dailyRemaining);
      // This response is still used; the next request defers.
      if (daily !== undefined && dailyRemaining !== undefined && dailyRemaining < daily * DAILY_RESERVE) {
        belowDailyReserve = true;
      }
      if (spec.bucket === 'default') {
        const limit = headerInt(response.headers, RATE_HEADERS.max);
        const remaining = headerInt(response.headers, RATE_HEADERS.remaining);
        if (limit !== undefined || remaining !== undefined) {
          await deps.budget.observe({
            bucket: 'default',
            ...(limit !== undefined && { limit }),
            ...(remaining !== undefined && { remaining }),
          });
        }
      }
      const text = await readBody(response);
      if (response.status === 401 && attempt === 0 && credentials?.method === 'oauth') {
        // The token may have been revoked or expired early: one refresh, then give up.
        await ensureToken(true);
        continue;
      }
      if (response.status >= 400)
        throw toError(response, text, credentials?.method ?? 'private_app', endpoint);
      const json = safeJson(text);
      if (json === undefined) {
        throw new ConnectorError(
          'transient',
          `HubSpot sent an unreadable ${endpoint} response; the job retries.`,
          {
            status: response.status,
          },
        );
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new ConnectorError(
          'invalid_request',
          `HubSpot's ${endpoint} response had an unexpected shape (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}); check --base-url points at a HubSpot API.`,
          { status: response.status },
        );
      }
      return parsed.data;
    }
  };

  return { call, sent: () => sent };
}

async function readBody(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw new ConnectorError('transient', 'HubSpot dropped the connection mid-response; the job retries.', {
      status: response.status,
      cause: error,
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An answer of the token endpoint that carries no token; its kind comes from the rule table. */
function tokenError(status: number): ConnectorError {
  const kind = errorRuleFor(status, undefined, 'token')?.kind ?? 'auth';
  return new ConnectorError(
    kind,
    kind === 'transient'
      ? `HubSpot's token endpoint failed (${status}); the job retries.`
      : 'HubSpot refused the OAuth refresh token; reconnect the app and store the new refresh token with `salesops connections add hubspot`.',
    { status },
  );
}

function toError(
  response: Response,
  text: string,
  method: HubspotCredentials['method'],
  endpoint: EndpointName,
) {
  const body = errorBodySchema.safeParse(safeJson(text));
  const policy = body.success ? body.data.policyName : undefined;
  const rule = errorRuleFor(response.status, policy, endpoint);
  const kind = rule?.kind ?? 'transient';
  const retryAfterSeconds = headerInt(response.headers, RATE_HEADERS.retryAfter);
  const retryAfterMs =
    retryAfterSeconds !== undefined
      ? retryAfterSeconds * 1000
      : (rule?.retryAfterMs ?? headerInt(response.headers, RATE_HEADERS.intervalMs));
  const detail = body.success && body.data.message ? body.data.message : `HTTP ${response.status}`;
  // The parsed body rides along as the cause: callers such as batch writes read its details.
  const options = {
    status: response.status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...(body.success && { cause: body.data }),
  };
  switch (kind) {
    case 'auth':
      return new ConnectorError(
        'auth',
        method === 'oauth'
          ? 'HubSpot refused the connection even after refreshing its OAuth token; reconnect the app and store the new refresh token with `salesops connections add hubspot`.'
          : `HubSpot refused the private-app access token (${response.status}); create a new token with the CRM read scopes and add the connection again.`,
        options,
      );
    case 'deferred':
      return new ConnectorError(
        'deferred',
        "HubSpot's daily API allowance for this portal is spent; the next run after midnight (portal time) resumes from the checkpoint.",
        options,
      );
    case 'rate_limited':
      return new ConnectorError(
        'rate_limited',
        `HubSpot rate limit reached (${policy ?? 'burst'}); the job waits and retries.`,
        options,
      );
    default:
      return new ConnectorError(kind, `HubSpot ${endpoint} request failed: ${detail}.`, options);
  }
}
