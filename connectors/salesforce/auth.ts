/**
 * Salesforce credentials and access tokens: a stored access token as is; OAuth client
 * credentials against the My Domain token URL; JWT bearer with an RS256 assertion signed here by
 * node:crypto from the stored PEM key. Tokens obtained are saved through the token store.
 */
import { createSign } from 'node:crypto';
import { z } from 'zod';
import type { ConnectorDeps } from '../connector.js';
import { ConnectorError } from '../connector-error.js';
import { errorRuleFor } from './spec.js';

/** The stored credential shapes; the connection store validates with this same schema. */
export const salesforceCredentialsSchema = z.union([
  z.object({ method: z.literal('access_token'), accessToken: z.string().min(1) }),
  z.object({
    method: z.literal('client_credentials'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    accessToken: z.string().optional(),
  }),
  z.object({
    method: z.literal('jwt'),
    clientId: z.string().min(1),
    username: z.string().min(1),
    privateKey: z.string().min(1),
    accessToken: z.string().optional(),
  }),
]);

export type SalesforceCredentials = z.infer<typeof salesforceCredentialsSchema>;

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  instance_url: z.string().optional(),
});
const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

/** Assertions live three minutes: long enough for clock skew, short if one leaks. */
const JWT_LIFETIME_S = 180;

export function parseCredentials(raw: Readonly<Record<string, string>>): SalesforceCredentials {
  const parsed = salesforceCredentialsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConnectorError(
      'auth',
      'The stored Salesforce credentials are incomplete; add the connection again with `salesops connections add salesforce`.',
    );
  }
  return parsed.data;
}

/** Where JWT assertions must point: production orgs log in at login., sandboxes at test. */
export function jwtAudience(loginUrl: string): string {
  const host = new URL(loginUrl).hostname;
  return /(^|\.)test\.salesforce\.com$|\.sandbox\.my\.salesforce\.com$/.test(host)
    ? 'https://test.salesforce.com'
    : 'https://login.salesforce.com';
}

export function signJwtAssertion(
  creds: { readonly clientId: string; readonly username: string; readonly privateKey: string },
  audience: string,
  nowMs: number,
): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    iss: creds.clientId,
    sub: creds.username,
    aud: audience,
    exp: Math.floor(nowMs / 1000) + JWT_LIFETIME_S,
  })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(creds.privateKey, 'base64url');
  } catch (error) {
    throw new ConnectorError(
      'auth',
      'The stored JWT key is not a usable RSA private key; add the connection again with the PEM key file of the connected app certificate.',
      { cause: error },
    );
  }
  return `${unsigned}.${signature}`;
}

export interface TokenSource {
  readonly method: SalesforceCredentials['method'];
  /** Whether a new token can be obtained without the admin (client credentials, JWT). */
  readonly canRefresh: boolean;
  /** The current token: the stored one, else a new one. */
  current(): Promise<string>;
  /** A new token, saved to the token store. */
  refresh(): Promise<string>;
}

export interface TokenSourceOptions {
  readonly deps: ConnectorDeps;
  readonly loginUrl: string;
  readonly timeoutMs: number;
}

export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const { deps } = options;
  let creds: SalesforceCredentials | null = null;
  let token: string | null = null;

  const load = async (): Promise<SalesforceCredentials> => {
    creds ??= parseCredentials(await deps.tokens.load());
    return creds;
  };

  const post = async (form: URLSearchParams): Promise<string> => {
    await deps.budget.acquire();
    let response: Response;
    try {
      response = await deps.fetch(`${options.loginUrl.replace(/\/+$/, '')}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new ConnectorError(
        'transient',
        `Salesforce's token endpoint could not be reached (${error instanceof Error ? error.message : String(error)}); the job retries.`,
        { cause: error },
      );
    }
    const text = await response.text();
    const body = safeJson(text);
    const ok = response.ok ? tokenResponseSchema.safeParse(body) : null;
    if (!ok?.success) throw tokenError(response.status, body);
    return ok.data.access_token;
  };

  const refresh = async (): Promise<string> => {
    const c = await load();
    if (c.method === 'access_token') {
      throw new ConnectorError(
        'auth',
        'Salesforce refused the stored access token; add the connection again with a new token, or with client credentials or a JWT key so it can renew itself.',
      );
    }
    const form =
      c.method === 'client_credentials'
        ? new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: c.clientId,
            client_secret: c.clientSecret,
          })
        : new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: signJwtAssertion(c, jwtAudience(options.loginUrl), deps.clock.now().getTime()),
          });
    token = await post(form);
    await deps.tokens.save({ accessToken: token });
    return token;
  };

  return {
    get method() {
      return creds?.method ?? 'access_token';
    },
    get canRefresh() {
      return creds !== null && creds.method !== 'access_token';
    },
    async current() {
      if (token) return token;
      const c = await load();
      if (c.accessToken) {
        token = c.accessToken;
        return token;
      }
      return refresh();
    },
    refresh,
  };
}

/** An answer of the token endpoint that carries no token; its kind comes from spec.ts's table. */
function tokenError(status: number, body: unknown): ConnectorError {
  const oauth = oauthErrorSchema.safeParse(body);
  const code = oauth.success ? oauth.data.error : `HTTP_${status}`;
  const kind =
    errorRuleFor(code, status, oauth.success ? (oauth.data.error_description ?? '') : '', 'token')?.kind ??
    'auth';
  if (kind === 'transient') {
    return new ConnectorError(
      'transient',
      `Salesforce's token endpoint failed (${status}); the job retries.`,
      { status },
    );
  }
  const why = oauth.success
    ? `${oauth.data.error}: ${oauth.data.error_description ?? ''}`.trim()
    : `HTTP ${status}`;
  return new ConnectorError(
    kind,
    `Salesforce refused to issue an access token (${why}); check the connected app, its client id/secret or certificate, and the login URL, then add the connection again.`,
    { status },
  );
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
