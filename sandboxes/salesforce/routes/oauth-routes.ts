import { createVerify } from 'node:crypto';
import { Sessions } from '../sessions.js';
import { json, type Reply, type RequestContext, type SandboxState } from './context.js';

/**
 * POST /services/oauth2/token. Errors use OAuth's `{ error, error_description }` shape with
 * status 400, as Salesforce's token endpoint does (not the REST API's error array).
 */
export function token(state: SandboxState, ctx: RequestContext): Reply {
  const params = new URLSearchParams(ctx.body);
  const basic = basicCredentials(ctx);
  const clientId = params.get('client_id') ?? basic?.id ?? null;
  const clientSecret = params.get('client_secret') ?? basic?.secret ?? null;
  const grant = params.get('grant_type');
  const oauthError = (error: string, description: string) =>
    json({ error, error_description: description }, 400);
  const userId = state.store.model.integrationUserId;

  switch (grant) {
    case 'client_credentials':
      if (clientId !== state.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
      if (clientSecret !== state.clientSecret)
        return oauthError('invalid_client', 'invalid client credentials');
      return json(tokenResponse(state, userId, false));
    case 'refresh_token': {
      if (clientId !== state.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
      if (clientSecret !== null && clientSecret !== state.clientSecret)
        return oauthError('invalid_client', 'invalid client credentials');
      const user = state.sessions.refreshUser(params.get('refresh_token') ?? '');
      if (!user) return oauthError('invalid_grant', 'expired access/refresh token');
      return json(tokenResponse(state, user, false));
    }
    case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
      const problem = checkAssertion(
        params.get('assertion') ?? '',
        state.jwt,
        state.clientId,
        state.clock.now(),
      );
      if (problem) return oauthError('invalid_grant', problem);
      return json(tokenResponse(state, userId, false));
    }
    default:
      return oauthError('unsupported_grant_type', 'grant type not supported');
  }
}

function tokenResponse(state: SandboxState, userId: string, withRefresh: boolean): Record<string, string> {
  const { token: accessToken, issuedAt } = state.sessions.issueAccess(userId);
  const id = `${state.baseUrl}/id/${state.store.model.orgId}/${userId}`;
  return {
    access_token: accessToken,
    ...(withRefresh ? { refresh_token: state.sessions.issueRefresh(userId) } : {}),
    signature: Sessions.signature(id, issuedAt, state.clientSecret),
    scope: 'api',
    instance_url: state.baseUrl,
    id,
    token_type: 'Bearer',
    issued_at: String(issuedAt),
  };
}

function basicCredentials(ctx: RequestContext): { id: string; secret: string } | null {
  const auth = ctx.headers['authorization'];
  if (typeof auth !== 'string' || !auth.startsWith('Basic ')) return null;
  const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
  return id !== undefined && secret !== undefined ? { id, secret } : null;
}

/** The audiences Salesforce accepts in a JWT bearer assertion (production and sandbox login). */
export const JWT_AUDIENCES: readonly string[] = [
  'https://login.salesforce.com',
  'https://test.salesforce.com',
];

/**
 * A JWT bearer assertion is accepted as Salesforce accepts one: three base64url parts, an RS256
 * header, a signature that the connected app's registered certificate verifies, `iss` = the
 * client id, a `sub`, an `aud` Salesforce serves and an unexpired `exp`. Without a registered
 * certificate every assertion is refused, as an org whose connected app has none refuses them.
 * The descriptions are Salesforce's own (`invalid assertion`, `audience is invalid`, ...).
 */
function checkAssertion(
  assertion: string,
  jwt: SandboxState['jwt'],
  clientId: string,
  nowMs: number,
): string | null {
  const parts = assertion.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return 'invalid assertion';
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown };
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8'));
  } catch {
    return 'invalid assertion';
  }
  if (header.alg !== 'RS256') return 'invalid assertion: alg must be RS256';
  if (claims.iss !== clientId) return 'invalid assertion: iss is not a known client id';
  if (jwt.certificate === null) return 'invalid assertion: no certificate is registered for this client';
  const signed = createVerify('RSA-SHA256')
    .update(`${headerPart}.${claimsPart}`)
    .verify(jwt.certificate, Buffer.from(signaturePart, 'base64url'));
  if (!signed) return 'invalid assertion';
  if (typeof claims.sub !== 'string' || claims.sub === '') return 'invalid assertion: no sub';
  if (typeof claims.aud !== 'string' || !jwt.audiences.includes(claims.aud)) return 'audience is invalid';
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return 'expired authorization code';
  return null;
}

/** GET /id/<org>/<user>: the identity URL jsforce's `identity()` reads. */
export function identity(state: SandboxState, orgId: string, userId: string): Reply {
  const user = state.store.table('User')?.get(userId);
  if (!user || orgId !== state.store.model.orgId)
    return json({ error: 'Bad_Id', error_description: 'Bad id' }, 404);
  const base = state.baseUrl;
  return json({
    id: `${base}/id/${orgId}/${String(user['Id'])}`,
    asserted_user: true,
    user_id: user['Id'],
    organization_id: orgId,
    username: user['Username'],
    nick_name: String(user['FirstName']).toLowerCase(),
    display_name: user['Name'],
    email: user['Email'],
    active: user['IsActive'],
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    urls: {
      rest: `${base}/services/data/v{version}/`,
      query: `${base}/services/data/v{version}/query/`,
      sobjects: `${base}/services/data/v{version}/sobjects/`,
      metadata: `${base}/services/Soap/m/{version}/${orgId}`,
    },
  });
}
