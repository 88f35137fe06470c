/**
 * Credentials the sandbox accepts: one private-app token that never expires, and OAuth access
 * tokens minted by `POST /oauth/v1/token` (refresh grant) that expire after `ttlMs`.
 */
import { randomBytes } from 'node:crypto';
import { createRandom } from '../seeded-random.js';
import {
  expiredAuthentication,
  type HttpError,
  invalidAuthentication,
  oauthError,
} from './hubspot-errors.js';

export interface OAuthCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

/** HubSpot's access tokens live 30 minutes. */
export const DEFAULT_TOKEN_TTL_MS = 1_800_000;

export class TokenRegistry {
  readonly privateAppToken: string;
  readonly oauth: OAuthCredentials;
  private readonly issued = new Map<string, number>();

  constructor(
    seed: number,
    private readonly ttlMs: number,
  ) {
    const rng = createRandom(seed).fork('credentials');
    const hex = (n: number): string => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
    this.privateAppToken = `pat-na1-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
    this.oauth = {
      clientId: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
      clientSecret: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
      refreshToken: `na1-${hex(4)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    };
  }

  /** Null when the bearer token is good at `now`. */
  check(authorization: string | undefined, now: number): HttpError | null {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const token = match?.[1]?.trim();
    if (!token) return invalidAuthentication();
    if (token === this.privateAppToken) return null;
    const expiresAt = this.issued.get(token);
    if (expiresAt === undefined) return invalidAuthentication();
    if (expiresAt <= now) return expiredAuthentication(now - expiresAt);
    return null;
  }

  /** The refresh grant; the refresh token itself stays valid, as HubSpot's do. */
  refresh(form: URLSearchParams, now: number): { status: number; body: unknown } {
    const grant = form.get('grant_type');
    if (grant !== 'refresh_token' && grant !== 'authorization_code') {
      return oauthError('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    if (grant === 'authorization_code') return oauthError('BAD_AUTH_CODE', 'missing or unknown auth code');
    if (form.get('client_id') !== this.oauth.clientId)
      return oauthError('BAD_CLIENT_ID', 'missing or invalid client_id');
    if (form.get('client_secret') !== this.oauth.clientSecret) {
      return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client_secret');
    }
    if (form.get('refresh_token') !== this.oauth.refreshToken) {
      return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
    }
    const accessToken = `C${randomBytes(48).toString('base64url')}`;
    this.issued.set(accessToken, now + this.ttlMs);
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        refresh_token: this.oauth.refreshToken,
        access_token: accessToken,
        expires_in: Math.floor(this.ttlMs / 1000),
      },
    };
  }
}
