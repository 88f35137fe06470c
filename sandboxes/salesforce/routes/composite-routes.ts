import { ApiError } from '../api-error.js';
import { json, parseJsonBody, type Reply, type RequestContext, type SandboxState } from './context.js';
import { queryMore, runQuery } from './query-routes.js';

/**
 * `POST /composite`: "up to 25 subrequests in a single call. Up to 5 of these subrequests can be
 * sObject Collections or query operations, including Query and QueryAll requests" (Query More
 * included); "the entire series of requests counts as a single call toward your API limits"
 * (REST API Developer Guide, Composite). Only query subrequests are modelled: GET query,
 * queryAll and a cursor's next page, each with its own `httpHeaders` (Sforce-Query-Options).
 * The refusal of a 26th subrequest or a 6th query is the sandbox's own wording.
 */
export const COMPOSITE_MAX_SUBREQUESTS = 25;
export const COMPOSITE_MAX_QUERIES = 5;

interface Subrequest {
  readonly method: string;
  readonly url: string;
  readonly referenceId: string;
  readonly httpHeaders: Readonly<Record<string, string>>;
}

const QUERY_URL = /^\/services\/data\/v(\d{2})\.0\/(query|queryAll)(?:\/([^/?]+))?\/?$/;

function subrequests(ctx: RequestContext): Subrequest[] {
  const body = parseJsonBody(ctx) as { compositeRequest?: unknown };
  if (!Array.isArray(body?.compositeRequest))
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
  return body.compositeRequest.map((raw: unknown) => {
    const r = raw as Partial<Record<keyof Subrequest, unknown>>;
    if (typeof r.method !== 'string' || typeof r.url !== 'string' || typeof r.referenceId !== 'string')
      throw new ApiError(400, 'JSON_PARSER_ERROR', 'Every subrequest needs method, url and referenceId');
    const headers = (r.httpHeaders ?? {}) as Record<string, string>;
    return { method: r.method.toUpperCase(), url: r.url, referenceId: r.referenceId, httpHeaders: headers };
  });
}

export function composite(state: SandboxState, ctx: RequestContext): Reply {
  const subs = subrequests(ctx);
  if (subs.length > COMPOSITE_MAX_SUBREQUESTS)
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `A composite request takes at most ${COMPOSITE_MAX_SUBREQUESTS} subrequests`,
    );
  const queries = subs.filter((s) => QUERY_URL.test(new URL(s.url, 'http://sandbox').pathname)).length;
  if (queries > COMPOSITE_MAX_QUERIES)
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `A composite request takes at most ${COMPOSITE_MAX_QUERIES} query operations`,
    );
  const compositeResponse = subs.map((sub) => {
    const url = new URL(sub.url, 'http://sandbox');
    const m = QUERY_URL.exec(url.pathname);
    let reply: Reply;
    try {
      if (!m || sub.method !== 'GET')
        throw new ApiError(400, 'INVALID_REQUEST', 'The sandbox models only query subrequests');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(sub.httpHeaders)) headers[k.toLowerCase()] = v;
      const sctx: RequestContext = { ...ctx, url, headers, body: '', base: `/services/data/v${m[1]}.0` };
      reply =
        m[3] !== undefined ? queryMore(state, sctx, m[3]) : runQuery(state, sctx, m[2] === 'queryAll', false);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      reply = json(e.toBody(), e.status);
    }
    return {
      body: reply.body ?? null,
      httpHeaders: {},
      httpStatusCode: reply.status,
      referenceId: sub.referenceId,
    };
  });
  return json({ compositeResponse });
}
