/**
 * How a connector tells the engine what went wrong, independent of the CRM. `workers/errors.ts`
 * maps each kind to BullMQ behaviour; each connector maps HTTP statuses to kinds in one place.
 */
export type ConnectorErrorKind =
  | 'auth' // credentials refused after one refresh: stop, tell the admin
  | 'rate_limited' // wait retryAfterMs and retry; never counts against attempts
  | 'transient' // 5xx, dropped connection, timeout: retry with backoff
  | 'deferred' // daily allowance spent or below the reserve: end the run cleanly
  | 'invalid_request' // our request is wrong: no retry
  | 'not_found'; // the record or object is gone: no retry

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  constructor(
    readonly kind: ConnectorErrorKind,
    message: string,
    readonly options: {
      readonly retryAfterMs?: number;
      readonly status?: number;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError;
}
