import type { KeyObject } from 'node:crypto';
import { ApiError } from '../api-error.js';
import type { Cursors } from '../cursors.js';
import type { ApiLimits } from '../limits.js';
import type { WriteState } from '../record-writes.js';
import type { Sessions } from '../sessions.js';
import type { OrgStore } from '../store.js';

/** Everything a route handler may touch. */
export interface SandboxState {
  readonly store: OrgStore;
  readonly cursors: Cursors;
  readonly limits: ApiLimits;
  readonly sessions: Sessions;
  readonly writes: WriteState;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clock: { now(): number };
  /** The connected app's registered certificate (its public key) and the audiences JWTs may name. */
  readonly jwt: { readonly certificate: KeyObject | null; readonly audiences: readonly string[] };
  /** Set once the server listens. */
  baseUrl: string;
}

export interface RequestContext {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** The user the access token belongs to (REST routes only). */
  readonly userId: string;
  /** `/services/data/v62.0`: the prefix record and locator URLs are built from. */
  readonly base: string;
}

export interface Reply {
  readonly status: number;
  /** JSON-serialised unless `raw` is set. */
  readonly body?: unknown;
  readonly raw?: string;
  readonly contentType?: string;
}

export const json = (body: unknown, status = 200): Reply => ({ status, body });

export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function parseJsonBody(ctx: RequestContext): unknown {
  try {
    return JSON.parse(ctx.body);
  } catch {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON');
  }
}
