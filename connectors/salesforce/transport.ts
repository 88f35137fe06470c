/**
 * The HTTP layer under jsforce. jsforce's own transport uses node-fetch with built-in retries
 * (five, on 429/5xx, with real sleeps), no injectable fetch and a 30-minute timeout; this one
 * replaces it on the Connection so every request goes through the injected fetch, the shared
 * rate budget, a timeout, the daily-allowance reserve and the one error table in spec.ts.
 *
 * 401 handling: a 401 is handed back to jsforce (which refreshes through our refresh function)
 * only when the token it was sent with is not itself fresh from a refresh; otherwise jsforce
 * would refresh and retry forever, so it stops here with `auth`.
 */

import { PassThrough } from 'node:stream';
import type { HttpRequest, HttpResponse } from 'jsforce/lib/types/common.js';
import { StreamPromise } from 'jsforce/lib/util/promise.js';
import type { ConnectorDeps } from '../connector.js';
import { ConnectorError } from '../connector-error.js';
import { safeJson } from './auth.js';
import { errorRuleFor } from './spec.js';

export interface ApiUsage {
  readonly used: number;
  readonly max: number;
}

export interface TransportOptions {
  readonly deps: ConnectorDeps;
  readonly timeoutMs: number;
  /** Share of the daily allowance to leave unused (0..1). */
  readonly dailyReserve: number;
  /** Whether a refused token can be replaced (client credentials, JWT). */
  readonly canRefresh: () => boolean;
  /** Attempts for a transient failure of an idempotent request (GET, PATCH). */
  readonly attempts: number;
  /** Backoff before retry `n` (1-based). */
  readonly backoffMs: (retry: number) => number;
}

export interface SalesforceTransport {
  httpRequest(req: HttpRequest): StreamPromise<HttpResponse>;
  /** Call after a refresh: requests sent with this token get no second refresh. */
  markFresh(token: string): void;
  usage(): ApiUsage | null;
  /** Requests sent (tests and the bench). */
  sent(): number;
  /** Throws `deferred` when the org's daily allowance is below the reserve. */
  checkReserve(): void;
}

const errorBody = (body: unknown): { code: string; message: string } | null => {
  if (Array.isArray(body) && body.length > 0) {
    const first = body[0] as { errorCode?: unknown; message?: unknown };
    if (typeof first.errorCode === 'string')
      return { code: first.errorCode, message: typeof first.message === 'string' ? first.message : '' };
  }
  if (body && typeof body === 'object' && 'error' in body) {
    const b = body as { error?: unknown; error_description?: unknown };
    if (typeof b.error === 'string')
      return { code: b.error, message: typeof b.error_description === 'string' ? b.error_description : '' };
  }
  return null;
};

/** SOAP faults (Metadata API) name their code in `<faultcode>sf:CODE</faultcode>`. */
const soapFault = (text: string): { code: string; message: string } | null => {
  const code = /<faultcode>(?:[\w-]+:)?([A-Z_]+)<\/faultcode>/.exec(text)?.[1];
  if (!code) return null;
  return { code, message: /<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1] ?? '' };
};

/** A ConnectorError that keeps Salesforce's own error code (callers branch on INVALID_TYPE). */
export class SalesforceApiError extends ConnectorError {
  constructor(
    kind: ConnectorError['kind'],
    message: string,
    readonly code: string,
    options: ConnectorError['options'],
  ) {
    super(kind, message, options);
  }
}

export function toConnectorError(status: number, text: string): SalesforceApiError {
  const parsed = errorBody(safeJson(text)) ??
    soapFault(text) ?? { code: `HTTP_${status}`, message: text.slice(0, 200) };
  const rule = errorRuleFor(parsed.code, status, parsed.message);
  const kind = rule?.kind ?? 'transient';
  const what = `${parsed.code}${parsed.message ? `: ${parsed.message.trim()}` : ''}`;
  const advice: Record<typeof kind, string> = {
    deferred: "the org's daily API allowance is spent; the run resumes from its checkpoint when it frees up",
    rate_limited: 'Salesforce asked us to slow down; the job waits and retries',
    transient: 'the job retries',
    auth: "check the integration user's permissions and the connected app, then add the connection again",
    invalid_request:
      'this is a bug or an org setting the connector does not support; report it with this message',
    not_found: 'the record or object no longer exists',
  };
  return new SalesforceApiError(
    kind,
    `Salesforce answered ${status} (${what}); ${advice[kind]}.`,
    parsed.code,
    {
      status,
      ...(rule?.retryAfterMs !== undefined && { retryAfterMs: rule.retryAfterMs }),
    },
  );
}

function parseUsage(header: string | null): ApiUsage | null {
  const m = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return m ? { used: Number(m[1]), max: Number(m[2]) } : null;
}

/** A Composite call whose subrequests are all GETs (history queries) reads only: safe to resend. */
function readOnlyComposite(req: HttpRequest): boolean {
  if (req.method !== 'POST' || !/\/composite\/?$/.test(req.url) || typeof req.body !== 'string') return false;
  return !/"method"\s*:\s*"(?!GET")/.test(req.body);
}

export function createTransport(options: TransportOptions): SalesforceTransport {
  const { deps } = options;
  const fresh = new Set<string>();
  let usage: ApiUsage | null = null;
  let sent = 0;

  const checkReserve = (): void => {
    if (!usage || usage.max <= 0) return;
    const left = (usage.max - usage.used) / usage.max;
    if (left < options.dailyReserve) {
      throw new ConnectorError(
        'deferred',
        `The org has ${usage.max - usage.used} of ${usage.max} daily API requests left, below the ${Math.round(options.dailyReserve * 100)}% kept for other integrations; the run resumes from its checkpoint when the allowance frees up.`,
      );
    }
  };

  const once = async (req: HttpRequest): Promise<HttpResponse> => {
    checkReserve();
    await deps.budget.acquire();
    sent++;
    let response: Response;
    try {
      response = await deps.fetch(req.url, {
        method: req.method,
        headers: req.headers ?? {},
        ...(typeof req.body === 'string' && { body: req.body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new ConnectorError(
        'transient',
        timedOut
          ? `Salesforce did not answer within ${options.timeoutMs} ms; the job retries.`
          : `Salesforce could not be reached (${error instanceof Error ? error.message : String(error)}); the job retries.`,
        { cause: error },
      );
    }
    const text = await response.text().catch((error: unknown) => {
      throw new ConnectorError(
        'transient',
        'Salesforce dropped the connection mid-answer; the job retries.',
        {
          cause: error,
        },
      );
    });
    usage = parseUsage(response.headers.get('sforce-limit-info')) ?? usage;
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const token = /^Bearer (.+)$/.exec(req.headers?.['Authorization'] ?? '')?.[1] ?? null;
    // SOAP (Metadata API) reports an expired session as a 500 fault, which jsforce refreshes on.
    const expired =
      response.status === 401 || (response.status === 500 && soapFault(text)?.code === 'INVALID_SESSION_ID');
    if (expired) {
      const sessionToken =
        token ?? /<(?:\w+:)?sessionId>([^<]+)</.exec(typeof req.body === 'string' ? req.body : '')?.[1];
      if (!options.canRefresh()) {
        throw new ConnectorError(
          'auth',
          'Salesforce refused the stored access token; add the connection again with a new token, or with client credentials or a JWT key so it can renew itself.',
          { status: response.status },
        );
      }
      if (sessionToken !== undefined && sessionToken !== null && fresh.has(sessionToken)) {
        throw new ConnectorError(
          'auth',
          "Salesforce refused a token it had just issued; check that the integration user is active and has API access and that the connected app's policies admit it, then run the sync again.",
          { status: response.status },
        );
      }
      return { statusCode: response.status, headers, body: text };
    }
    if (response.status >= 400) throw toConnectorError(response.status, text);
    fresh.clear();
    return { statusCode: response.status, headers, body: text };
  };

  const withRetries = async (req: HttpRequest): Promise<HttpResponse> => {
    const idempotent = req.method === 'GET' || req.method === 'PATCH' || readOnlyComposite(req);
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(req);
      } catch (error) {
        const retry =
          idempotent &&
          attempt < options.attempts &&
          error instanceof ConnectorError &&
          error.kind === 'transient';
        if (!retry) throw error;
        await deps.clock.sleep(options.backoffMs(attempt));
      }
    }
  };

  return {
    httpRequest: (req) =>
      StreamPromise.create(() => {
        // jsforce pipes this stream to callers that read the raw body; we only ever parse it.
        const stream = new PassThrough();
        const promise = withRetries(req);
        promise.then(
          (r) => stream.end(r.body),
          () => stream.end(),
        );
        return { stream, promise };
      }),
    markFresh: (token) => {
      fresh.add(token);
    },
    usage: () => usage,
    sent: () => sent,
    checkReserve,
  };
}
