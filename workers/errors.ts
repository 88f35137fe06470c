import { ZodError } from 'zod';
import { isConnectorError } from '../connectors/connector-error.js';
import { ConnectionNotFoundError } from '../src/connections/connection-store.js';
import { CredentialKeyError } from '../src/connections/credentials-cipher.js';
import { UnsupportedConnectorError } from '../src/connections/unsupported-connector-error.js';
import { RunCancelledError } from '../src/warehouse/sync-runs.js';

/** Failures no retry can mend: wrong key, unknown connection, unsupported CRM, a malformed job. */
const PERMANENT = [CredentialKeyError, ConnectionNotFoundError, UnsupportedConnectorError, ZodError] as const;

/**
 * The whole error policy in one table: a ConnectorError kind (DESIGN.md §3) becomes one BullMQ
 * behaviour. Anything unknown is treated as transient: retried with backoff, then failed.
 */
export type ErrorAction =
  | { readonly kind: 'wait'; readonly delayMs: number } // re-queue after the delay; no attempt used
  | { readonly kind: 'retry' } // throw: BullMQ backs off and counts an attempt
  | { readonly kind: 'defer' } // end the run cleanly as deferred
  | { readonly kind: 'fail' } // no retry: the run fails with the message
  | { readonly kind: 'cancel' }; // `runs cancel`: the run ends cancelled, resumable

const DEFAULT_RATE_LIMIT_WAIT_MS = 10_000;

export function classifyError(error: unknown): ErrorAction {
  if (error instanceof RunCancelledError) return { kind: 'cancel' };
  if (PERMANENT.some((type) => error instanceof type)) return { kind: 'fail' };
  if (!isConnectorError(error)) return { kind: 'retry' };
  switch (error.kind) {
    case 'rate_limited':
      return { kind: 'wait', delayMs: Math.max(250, error.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS) };
    case 'transient':
      return { kind: 'retry' };
    case 'deferred':
      return { kind: 'defer' };
    case 'auth':
    case 'invalid_request':
    case 'not_found':
      return { kind: 'fail' };
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
