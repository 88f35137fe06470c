import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from './api-error.js';
import { composite } from './routes/composite-routes.js';
import { json, type Reply, type RequestContext, type SandboxState } from './routes/context.js';
import { handleMetadataCall, readSoapCall, soapFault } from './routes/metadata-soap.js';
import { identity, token } from './routes/oauth-routes.js';
import { queryMore, runQuery } from './routes/query-routes.js';
import {
  compositeRetrieve,
  compositeWrite,
  createRecord,
  deleteRecord,
  describeGlobal,
  describeObject,
  getRecord,
  limits,
  objectInfo,
  patchRecord,
} from './routes/sobject-routes.js';
import { createToolingRecord, toolingDescribeGlobal } from './routes/tooling-routes.js';

export interface RequestRecord {
  /** Clock time (ms) the request arrived. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** 0 when the sandbox dropped the connection as an injected fault. */
  readonly status: number;
  /** Whether the call changes the org (records, fields, permission sets, metadata). */
  readonly mutating: boolean;
}

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly latencyMs: number;
}

/** API versions the sandbox answers; older ones get 404 like a retired version would. */
const VERSION = /^\/services\/data\/v(\d{2})\.0(\/.*)?$/;
const MIN_VERSION = 31;
const MAX_VERSION = 64;
/**
 * "In each REST call, the maximum length for the combined URI and headers is 16,384 bytes. A
 * request exceeding this limit returns a 431 Request Header Fields Too Large error. If the URI
 * itself exceeds this limit, the request returns a 414 URI Too Long error." (Salesforce Help
 * 000386264). Node's own parser refuses at 16 KiB of request line and headers with a bare 431,
 * so the server parses up to `PARSER_MAX_HEADER` and answers these itself, logged like any other.
 */
export const URI_LIMIT_BYTES = 16_384;
const PARSER_MAX_HEADER = 256 * 1024;
const SESSION_EXPIRED = () => new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export class SandboxServer {
  readonly requests: RequestRecord[] = [];
  private server: Server | null = null;

  constructor(
    private readonly state: SandboxState,
    private readonly options: ServerOptions,
  ) {}

  async listen(): Promise<string> {
    const server = createServer({ maxHeaderSize: PARSER_MAX_HEADER }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.respond(req, res, Buffer.concat(chunks).toString('utf8'));
      });
    });
    // Keep-alive sockets would hold close() open; tests start and stop many sandboxes.
    server.keepAliveTimeout = 1000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return `http://${this.options.host}:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async respond(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const at = this.state.clock.now();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const record = (status: number, mutating: boolean) =>
      this.requests.push({ at, method, path: url.pathname + url.search, status, mutating });
    if (this.options.latencyMs > 0) await new Promise((r) => setTimeout(r, this.options.latencyMs));

    const mutating = isMutating(method, url.pathname, body);
    const tooLong = uriLimitStatus(req);
    if (tooLong) {
      record(tooLong.status, mutating);
      res.writeHead(tooLong.status, { 'Content-Type': 'text/html' }).end(tooLong.text);
      return;
    }
    const fault = this.state.limits.nextFault();
    if (fault === 'drop') {
      record(0, mutating);
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    try {
      if (fault === 'unavailable')
        throw new ApiError(503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable. Please retry.');
      if (fault === 'server-error')
        throw new ApiError(
          500,
          'UNKNOWN_EXCEPTION',
          'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567-89012 (-1234567890)',
        );
      reply = this.route(method, url, req, body);
    } catch (e) {
      if (e instanceof ApiError) reply = json(e.toBody(), e.status);
      else {
        const message = e instanceof Error ? e.message : String(e);
        reply = json([{ message: `Sandbox error: ${message}`, errorCode: 'UNKNOWN_EXCEPTION' }], 500);
      }
    }
    record(reply.status, mutating);
    const headers: Record<string, string> = { 'Sforce-Limit-Info': this.state.limits.header() };
    if (reply.status === 204) {
      res.writeHead(204, headers).end();
      return;
    }
    const payload = reply.raw ?? JSON.stringify(reply.body);
    headers['Content-Type'] = reply.contentType ?? 'application/json;charset=UTF-8';
    res.writeHead(reply.status, headers).end(payload);
  }

  private route(method: string, url: URL, req: IncomingMessage, body: string): Reply {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const headers = req.headers;
    const ctx = (userId: string, base: string): RequestContext => ({
      method,
      url,
      headers,
      body,
      userId,
      base,
    });
    const state = this.state;

    if (path === '/services/oauth2/token' && method === 'POST') return token(state, ctx('', ''));
    if (path === '/services/oauth2/revoke' && method === 'POST') {
      state.sessions.revoke(new URLSearchParams(body).get('token') ?? '');
      return { status: 200, raw: '', contentType: 'text/plain' };
    }
    const id = /^\/id\/([^/]+)\/([^/]+)$/.exec(path);
    if (id && method === 'GET') {
      const tokenParam = url.searchParams.get('oauth_token');
      this.authenticate(headers.authorization, tokenParam);
      state.limits.admit();
      return identity(state, id[1]!, id[2]!);
    }
    if (path === '/services/data' && method === 'GET') {
      const versions = [];
      for (let v = MIN_VERSION; v <= MAX_VERSION; v++)
        versions.push({ label: `v${v}.0`, url: `/services/data/v${v}.0`, version: `${v}.0` });
      return json(versions);
    }
    const soap = /^\/services\/Soap\/m\/(\d{2})\.0(?:\/[^/]+)?$/.exec(path);
    if (soap && method === 'POST') return this.soap(body);

    const v = VERSION.exec(path);
    if (!v) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const version = Number(v[1]);
    const userId = this.authenticate(headers.authorization, null);
    if (version < MIN_VERSION || version > MAX_VERSION)
      throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    state.limits.admit();
    const c = ctx(userId, `/services/data/v${v[1]}.0`);
    const rest = (v[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
    return this.dispatch(method, rest, c);
  }

  private dispatch(method: string, parts: string[], ctx: RequestContext): Reply {
    const s = this.state;
    const read = (reply: Reply) => reply;
    const write = read;
    const [head, a, b, c] = parts;
    const tooling = head === 'tooling';
    const p = tooling ? parts.slice(1) : parts;
    const [h0, h1, h2, h3] = tooling ? [p[0], p[1], p[2], p[3]] : [head, a, b, c];
    if (parts.length === 0 && method === 'GET') {
      const base = ctx.base;
      return read(
        json({
          sobjects: `${base}/sobjects`,
          query: `${base}/query`,
          queryAll: `${base}/queryAll`,
          limits: `${base}/limits`,
          tooling: `${base}/tooling`,
          composite: `${base}/composite`,
          // Salesforce names the caller's identity URL here; jsforce's identity() reads it.
          identity: `${s.baseUrl}/id/${s.store.model.orgId}/${ctx.userId}`,
        }),
      );
    }
    if (method === 'GET' && (h0 === 'query' || h0 === 'queryAll')) {
      if (h1 !== undefined) return read(queryMore(s, ctx, h1));
      return read(runQuery(s, ctx, h0 === 'queryAll', tooling));
    }
    if (tooling) {
      if (h0 === 'sobjects' && h1 === undefined && method === 'GET')
        return read(toolingDescribeGlobal(s, ctx));
      if (h0 === 'sobjects' && h1 !== undefined && h2 === undefined && method === 'POST')
        return write(createToolingRecord(s, ctx, h1));
      throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    if (h0 === 'limits' && method === 'GET') return read(limits(s));
    if (h0 === 'sobjects') {
      if (h1 === undefined && method === 'GET') return read(describeGlobal(s, ctx));
      if (h1 !== undefined && h2 === undefined) {
        if (method === 'GET') return read(objectInfo(s, ctx, h1));
        if (method === 'POST') return write(createRecord(s, ctx, h1));
      }
      if (h1 !== undefined && h2 === 'describe' && h3 === undefined && method === 'GET')
        return read(describeObject(s, ctx, h1));
      if (h1 !== undefined && h2 !== undefined && h3 === undefined) {
        if (method === 'GET') return read(getRecord(s, ctx, h1, h2));
        if (method === 'PATCH') return write(patchRecord(s, ctx, h1, h2));
        if (method === 'DELETE') return write(deleteRecord(s, h1, h2));
      }
    }
    if (h0 === 'composite' && h1 === undefined && method === 'POST') return read(composite(s, ctx));
    if (h0 === 'composite' && h1 === 'sobjects') {
      if (h2 === undefined && method === 'PATCH') return write(compositeWrite(s, ctx, 'update'));
      if (h2 === undefined && method === 'POST') return write(compositeWrite(s, ctx, 'create'));
      if (h2 !== undefined && method === 'POST') return read(compositeRetrieve(s, ctx, h2));
    }
    throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  private soap(body: string): Reply {
    let call: ReturnType<typeof readSoapCall>;
    try {
      call = readSoapCall(body);
    } catch (e) {
      if (e instanceof ApiError) return soapFault(e.errorCode, e.message);
      throw e;
    }
    // jsforce refreshes a SOAP session only on a 500 fault whose code is INVALID_SESSION_ID.
    if (!call.sessionId || !this.state.sessions.userOf(call.sessionId)) {
      return soapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
    }
    try {
      this.state.limits.admit();
    } catch (e) {
      if (e instanceof ApiError) return soapFault(e.errorCode, e.message);
      throw e;
    }
    return handleMetadataCall(this.state, call);
  }

  private authenticate(authorization: string | undefined, tokenParam: string | null): string {
    const bearer = authorization?.match(/^(?:Bearer|OAuth)\s+(\S+)$/i)?.[1] ?? tokenParam;
    const user = bearer ? this.state.sessions.userOf(bearer) : undefined;
    if (!user) throw SESSION_EXPIRED();
    return user;
  }
}

/** The URI as sent (request target) and the header lines, each `name: value\r\n`. */
export function uriLimitStatus(req: IncomingMessage): { status: 414 | 431; text: string } | null {
  const uri = Buffer.byteLength(req.url ?? '');
  if (uri > URI_LIMIT_BYTES) return { status: 414, text: '<h1>414 URI Too Long</h1>' };
  let headers = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers += Buffer.byteLength(req.rawHeaders[i]!) + Buffer.byteLength(req.rawHeaders[i + 1]!) + 4;
  if (uri + headers > URI_LIMIT_BYTES)
    return { status: 431, text: '<h1>431 Request Header Fields Too Large</h1>' };
  return null;
}

const SOAP_MUTATIONS = /<(?:\w+:)?(?:create|upsert|update|delete|rename)Metadata\b/;

/**
 * Whether a request would change the org, judged from the request alone so that refused and
 * failed writes count too (a no-change sync must make none at all).
 */
export function isMutating(method: string, path: string, body: string): boolean {
  if (path.startsWith('/services/oauth2/')) return false;
  if (path.startsWith('/services/Soap/')) return SOAP_MUTATIONS.test(body);
  if (method === 'GET' || method === 'HEAD') return false;
  // POST /composite/sobjects/<Object> is a read (retrieve many by id); so is a composite of queries.
  if (method === 'POST' && /\/composite\/?$/.test(path)) return /"method"\s*:\s*"(?!GET")/i.test(body);
  if (method === 'POST' && /\/composite\/sobjects\/[^/]+\/?$/.test(path)) return false;
  return true;
}
