import type { Credentials } from '../connections/connection-store.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { readSecret } from './cli-io.js';

/**
 * Credentials from the flags of `connections add` and `connections set`: one set of rules for
 * which flags make a complete credential, whether a connection is created or re-keyed.
 */
export interface HubspotAddOptions {
  name: string;
  accessToken?: string;
  accessTokenFile?: string;
  refreshToken?: string;
  refreshTokenFile?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretFile?: string;
  baseUrl?: string;
  tier?: string;
  json?: boolean;
}

export interface SalesforceAddOptions {
  name: string;
  instanceUrl: string;
  accessToken?: string;
  accessTokenFile?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretFile?: string;
  username?: string;
  jwtKeyFile?: string;
  loginUrl?: string;
  apiVersion: string;
  json?: boolean;
}

export async function hubspotCredentialsFrom(ctx: CliContext, o: HubspotAddOptions): Promise<Credentials> {
  const accessToken = await readSecret(ctx.io, 'access-token', o.accessToken, o.accessTokenFile);
  const refreshToken = await readSecret(ctx.io, 'refresh-token', o.refreshToken, o.refreshTokenFile);
  const clientSecret = await readSecret(ctx.io, 'client-secret', o.clientSecret, o.clientSecretFile);
  if (accessToken && !refreshToken) return { method: 'private_app', accessToken };
  if (refreshToken && o.clientId && clientSecret && !accessToken) {
    return { method: 'oauth', refreshToken, clientId: o.clientId, clientSecret };
  }
  throw usageError(
    'Give either --access-token (a private-app token) or --refresh-token with --client-id and --client-secret (an OAuth app).',
  );
}

export async function salesforceCredentialsFrom(
  ctx: CliContext,
  o: SalesforceAddOptions,
): Promise<Credentials> {
  const accessToken = await readSecret(ctx.io, 'access-token', o.accessToken, o.accessTokenFile);
  const clientSecret = await readSecret(ctx.io, 'client-secret', o.clientSecret, o.clientSecretFile);
  if (accessToken && !o.clientId) return { method: 'access_token', accessToken };
  if (o.clientId && clientSecret && !o.username && !o.jwtKeyFile) {
    return { method: 'client_credentials', clientId: o.clientId, clientSecret };
  }
  if (o.clientId && o.username && o.jwtKeyFile && !clientSecret) {
    const privateKey = await readSecret(ctx.io, 'jwt-key', undefined, o.jwtKeyFile);
    if (!privateKey?.includes('PRIVATE KEY')) {
      throw usageError(
        `--jwt-key-file ${o.jwtKeyFile} is not a PEM private key; give the key of the connected app's certificate.`,
      );
    }
    return { method: 'jwt', clientId: o.clientId, username: o.username, privateKey };
  }
  throw usageError(
    'Give one of: --access-token; --client-id with --client-secret (client credentials); --client-id with --username and --jwt-key-file (JWT bearer).',
  );
}

export interface SetOptions {
  tz?: string;
  fiscalYearStart?: number;
  tier?: string;
  baseUrl?: string;
  loginUrl?: string;
  apiVersion?: string;
  accessToken?: string;
  accessTokenFile?: string;
  refreshToken?: string;
  refreshTokenFile?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretFile?: string;
  username?: string;
  jwtKeyFile?: string;
  json?: boolean;
}

export const CREDENTIAL_FLAGS = [
  'accessToken',
  'accessTokenFile',
  'refreshToken',
  'refreshTokenFile',
  'clientId',
  'clientSecret',
  'clientSecretFile',
  'username',
  'jwtKeyFile',
] as const;

/**
 * New credentials replace the stored ones whole, by the rules of `connections add` for the
 * connection's CRM: a half-changed set (a new secret for the old client id) is never guessed.
 */
export async function replacementCredentials(
  ctx: CliContext,
  kind: 'hubspot' | 'salesforce',
  o: SetOptions,
): Promise<Credentials> {
  if (kind === 'hubspot') {
    if (o.username !== undefined || o.jwtKeyFile !== undefined) {
      throw usageError('--username and --jwt-key-file are Salesforce flags; this is a HubSpot connection.');
    }
    return hubspotCredentialsFrom(ctx, { name: '', ...o });
  }
  if (o.refreshToken !== undefined || o.refreshTokenFile !== undefined) {
    throw usageError('--refresh-token is a HubSpot flag; this is a Salesforce connection.');
  }
  return salesforceCredentialsFrom(ctx, { name: '', instanceUrl: '', apiVersion: '', ...o });
}
