/**
 * jsforce 3.10.16 under our control: an explicit API version, our transport (injected fetch,
 * budget, timeout, reserve, error table), our token source behind jsforce's refresh hook, and
 * paging by `query` + `queryMore` (never autoFetch, which stops at 10,000 and buffers all).
 */
import jsforce from 'jsforce';
import { z } from 'zod';
import type { ConnectorDeps } from '../connector.js';
import { ConnectorError, isConnectorError } from '../connector-error.js';
import { createTokenSource } from './auth.js';
import { encodeQueryValue, queryUriPrefix } from './soql.js';
import {
  COMPOSITE,
  DEFAULT_API_VERSION,
  DEFAULT_DAILY_RESERVE,
  QUERY_BATCH_SIZE,
  REQUEST_TIMEOUT_MS,
} from './spec.js';
import { type ApiUsage, createTransport, type SalesforceApiError, toConnectorError } from './transport.js';

export interface SalesforceApiOptions {
  readonly instanceUrl: string;
  /** Token endpoint host (My Domain or login.salesforce.com); default: the instance URL. */
  readonly loginUrl?: string | null;
  readonly apiVersion?: string | null;
  readonly deps: ConnectorDeps;
  readonly timeoutMs?: number;
  readonly dailyReserve?: number;
  readonly batchSize?: number;
  /** Attempts for a transient failure of an idempotent request (default 3). */
  readonly attempts?: number;
  readonly backoffMs?: (retry: number) => number;
}

export interface QueryPage {
  readonly records: readonly unknown[];
  readonly done: boolean;
}

export interface SalesforceApi {
  readonly version: string;
  /** Pages of one SOQL query; `all` reads through queryAll (deleted rows included). */
  pages(soql: string, options?: { readonly all?: boolean }): AsyncIterable<QueryPage>;
  /**
   * Every record of each query, through Composite calls of at most `COMPOSITE.queries` query
   * operations each (first pages and next pages alike), in the order of `soqls`.
   */
  queryMany(soqls: readonly string[]): Promise<unknown[][]>;
  /**
   * `queryMany` where a query's failure that `tolerate` accepts (an object the org does not
   * have) answers null instead of failing the call: still one Composite call per five queries.
   */
  querySettled(
    soqls: readonly string[],
    tolerate: (error: SalesforceApiError) => boolean,
  ): Promise<(unknown[] | null)[]>;
  /** A raw REST call relative to `/services/data/vNN.0` (or absolute path). */
  request<T>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    /** Extra request headers, e.g. `Sforce-Auto-Assign: FALSE` on lead owner writes. */
    headers?: Readonly<Record<string, string>>,
  ): Promise<T>;
  /** The jsforce connection, for the Metadata API. */
  connection(): Promise<jsforce.Connection>;
  /** A jsforce call (e.g. `conn.metadata`) whose failures end as ConnectorErrors like the rest. */
  call<T>(fn: (conn: jsforce.Connection) => PromiseLike<T>): Promise<T>;
  /** Bytes of the request headers besides the URI, as the next request will send them. */
  headerBytes(allowance: number): Promise<number>;
  usage(): ApiUsage | null;
  checkReserve(): void;
  sent(): number;
}

const compositeSchema = z.object({
  compositeResponse: z.array(
    z.object({ body: z.unknown(), httpStatusCode: z.number(), referenceId: z.string() }),
  ),
});

const queryResultSchema = z.object({
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.unknown()),
});

export function createSalesforceApi(options: SalesforceApiOptions): SalesforceApi {
  const { deps } = options;
  const version = options.apiVersion ?? DEFAULT_API_VERSION;
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const batchSize = options.batchSize ?? QUERY_BATCH_SIZE;
  const tokens = createTokenSource({
    deps,
    loginUrl: options.loginUrl ?? options.instanceUrl,
    timeoutMs,
  });
  const transport = createTransport({
    deps,
    timeoutMs,
    dailyReserve: options.dailyReserve ?? DEFAULT_DAILY_RESERVE,
    canRefresh: () => tokens.canRefresh,
    attempts: options.attempts ?? 3,
    backoffMs: options.backoffMs ?? ((n) => 500 * 4 ** (n - 1)),
  });
  // jsforce wraps a failed refresh in a plain Error; the ConnectorError behind it is kept here.
  let refreshFailure: ConnectorError | null = null;
  let conn: Promise<jsforce.Connection> | null = null;

  const connect = async (): Promise<jsforce.Connection> => {
    const accessToken = await tokens.current();
    const c = new jsforce.Connection({
      instanceUrl: options.instanceUrl.replace(/\/+$/, ''),
      accessToken,
      version,
      maxRequest: 200,
      refreshFn: (_conn, callback) => {
        tokens.refresh().then(
          (token) => {
            refreshFailure = null;
            transport.markFresh(token);
            callback(null, token);
          },
          (error: unknown) => {
            refreshFailure = isConnectorError(error)
              ? error
              : new ConnectorError('transient', `Renewing the Salesforce session failed; the job retries.`, {
                  cause: error,
                });
            callback(refreshFailure);
          },
        );
      },
    });
    c._transport = transport as unknown as typeof c._transport;
    return c;
  };

  const connection = (): Promise<jsforce.Connection> => {
    conn ??= connect().catch((error: unknown) => {
      conn = null;
      throw error;
    });
    return conn;
  };

  /** Every jsforce call ends in a ConnectorError, never in one of jsforce's own errors. */
  const guard = async <T>(call: () => PromiseLike<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (isConnectorError(error)) throw error;
      if (refreshFailure) throw refreshFailure;
      const message = error instanceof Error ? error.message : String(error);
      throw new ConnectorError('transient', `Salesforce call failed (${message}); the job retries.`, {
        cause: error,
      });
    }
  };

  // A fresh object per request: jsforce writes the Authorization header into the one it is given.
  const queryHeaders = () => ({ 'Sforce-Query-Options': `batchSize=${batchSize}` });

  async function* pages(soql: string, opts: { readonly all?: boolean } = {}): AsyncIterable<QueryPage> {
    const c = await connection();
    // Sent as a plain GET rather than through c.query so the URI is the one soql.ts measured.
    const path = queryUriPrefix(version, opts.all ?? false) + encodeQueryValue(soql);
    const first = await guard(() =>
      c.request<unknown>({ method: 'GET', url: path, headers: queryHeaders() }),
    );
    let page = parseResult(first);
    yield { records: page.records, done: page.done };
    while (!page.done && page.nextRecordsUrl) {
      const locator = page.nextRecordsUrl;
      const next = await guard(() =>
        c.queryMore(locator, {
          headers: queryHeaders(),
          autoFetch: false,
          maxFetch: batchSize,
          scanAll: false,
          responseTarget: 'QueryResult',
        }),
      );
      page = parseResult(next);
      yield { records: page.records, done: page.done };
    }
  }

  async function queryMany(soqls: readonly string[]): Promise<unknown[][]> {
    const settled = await querySettled(soqls, () => false);
    return settled.map((rows) => rows ?? []);
  }

  async function querySettled(
    soqls: readonly string[],
    tolerate: (error: SalesforceApiError) => boolean,
  ): Promise<(unknown[] | null)[]> {
    const results: (unknown[] | null)[] = soqls.map(() => []);
    // One operation per query at a time: a query's next page is known only from its last one.
    let pending = soqls.map((soql, index) => ({
      index,
      url: queryUriPrefix(version) + encodeQueryValue(soql),
    }));
    while (pending.length > 0) {
      const now = pending.slice(0, COMPOSITE.queries);
      const later = pending.slice(COMPOSITE.queries);
      const answer = await request('POST', '/composite', compositeSchema, {
        allOrNone: false,
        compositeRequest: now.map((op, k) => ({
          method: 'GET',
          url: op.url,
          referenceId: `q${k}`,
          httpHeaders: queryHeaders(),
        })),
      });
      const next: typeof pending = [];
      now.forEach((op, k) => {
        const sub = answer.compositeResponse.find((r) => r.referenceId === `q${k}`);
        if (!sub)
          throw new ConnectorError(
            'transient',
            'Salesforce left a composite subrequest unanswered; the job retries.',
          );
        if (sub.httpStatusCode >= 400) {
          const error = toConnectorError(sub.httpStatusCode, JSON.stringify(sub.body));
          if (!tolerate(error)) throw error;
          results[op.index] = null;
          return;
        }
        const page = parseResult(sub.body);
        results[op.index]?.push(...page.records);
        if (!page.done && page.nextRecordsUrl) next.push({ index: op.index, url: page.nextRecordsUrl });
      });
      pending = [...later, ...next];
    }
    return results;
  }

  async function request<T>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    extraHeaders?: Readonly<Record<string, string>>,
  ): Promise<T> {
    const c = await connection();
    const url = path.startsWith('/services/') ? path : `/services/data/v${version}${path}`;
    const result = await guard(() =>
      c.request<unknown>({
        method,
        url,
        headers: { 'content-type': 'application/json', ...extraHeaders },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    );
    const parsed = schema.safeParse(result);
    if (!parsed.success) {
      throw new ConnectorError(
        'transient',
        `Salesforce answered ${method} ${path} with an unexpected shape; the job retries.`,
      );
    }
    return parsed.data;
  }

  return {
    version,
    pages,
    queryMany,
    querySettled,
    request,
    connection,
    async call(fn) {
      const c = await connection();
      return guard(() => fn(c));
    },
    async headerBytes(allowance) {
      const c = await connection();
      return allowance + (c.accessToken?.length ?? 0);
    },
    usage: () => transport.usage(),
    checkReserve: () => transport.checkReserve(),
    sent: () => transport.sent(),
  };
}

function parseResult(raw: unknown): z.infer<typeof queryResultSchema> {
  const parsed = queryResultSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConnectorError(
      'transient',
      'Salesforce answered a query with an unexpected shape; the job retries.',
    );
  }
  return parsed.data;
}
