/**
 * Starts the HubSpot sandbox: a node:http server (no framework, so it can drop connections and
 * truncate bodies on purpose, and stay far from being a benchmark's bottleneck).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, faultBody } from './fault-injector.js';
import { correlationId, validationError } from './hubspot-errors.js';
import { DEFAULT_TOKEN_TTL_MS, TokenRegistry } from './oauth-tokens.js';
import { createPortal, type Portal } from './portal.js';
import { RateLimiter } from './rate-limiter.js';
import type { RouteResponse } from './routes/route-types.js';
import { classify, route } from './routes/router.js';
import { SearchCache } from './routes/search-routes.js';
import type {
  HubspotSandbox,
  HubspotSandboxData,
  HubspotSandboxOptions,
  RequestRecord,
} from './sandbox-api.js';
import { type HistoryEntry, iso, type ObjectType, type SandboxRecord } from './sandbox-record.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * The longest request target (path and query) answered; longer ones get a 414, as HubSpot's
 * edge gives them. HubSpot documents no figure; Airbyte's HubSpot source measured "the URL length
 * up to ~16300 symbols" and keeps its `properties` parameter under 15,000 characters
 * (airbytehq/airbyte, source-hubspot `PROPERTIES_PARAM_MAX_LENGTH`).
 */
export const MAX_REQUEST_TARGET_CHARS = 16_000;

export async function startHubspotSandbox(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const clock = options.clock ?? Date.now;
  const seed = options.seed ?? 1;
  const portal = createPortal({
    seed,
    deals: options.deals ?? 2_000,
    contacts: options.contacts ?? 3_000,
    now: options.now ?? new Date(clock()),
    unfairLeadStretch: options.unfairLeadStretch ?? false,
  });
  const tokens = new TokenRegistry(seed, options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS);
  const limiter = new RateLimiter({
    rateLimit: options.rateLimit,
    searchRateLimit: options.searchRateLimit,
    dailyLimit: options.dailyLimit,
    timeZone: portal.account.timeZone,
  });
  const faults = new FaultInjector(seed, options.faultRate ?? 0);
  const cache = new SearchCache();
  const requests: RequestRecord[] = [];
  const latencyMs = options.latencyMs ?? 0;
  let baseUrl = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = clock();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = url.pathname.split('/').filter((s) => s.length > 0);
    const kind = classify(method, segments);
    const raw = await readBody(req);
    const withHistory =
      url.searchParams.has('propertiesWithHistory') || raw.includes('"propertiesWithHistory"');
    const record = (status: number): void => {
      requests.push({
        at,
        method,
        path: url.pathname,
        query: url.search.slice(1),
        status,
        withHistory,
        ...kind,
      });
    };
    if ((req.url ?? '').length > MAX_REQUEST_TARGET_CHARS) {
      record(414);
      res.writeHead(414, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>414 Request-URI Too Large</title></head><body>414 Request-URI Too Large</body></html>',
      );
      return;
    }
    const fault = faults.next();
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const cid = correlationId();
    if (fault === 'drop') {
      record(0);
      res.socket?.destroy();
      return;
    }
    if (fault === 'http500' || fault === 'http502' || fault === 'http503') {
      const failure = faultBody(fault, cid);
      record(failure.status);
      res.writeHead(failure.status, { 'content-type': failure.contentType, 'x-hubspot-correlation-id': cid });
      res.end(failure.body);
      return;
    }
    const { response, headers } = answer(method, url, segments, raw, req.headers, at, kind.search);
    record(response.status);
    const payload = response.body === undefined ? '' : JSON.stringify(response.body);
    const allHeaders: Record<string, string> = { 'x-hubspot-correlation-id': cid, ...headers };
    if (payload) allHeaders['content-type'] = 'application/json;charset=utf-8';
    if (response.status === 401) allHeaders['x-hubspot-auth-failure'] = '401 Unauthorized';
    if (fault === 'truncate' && payload.length > 1) {
      // Promise the whole body, send half, then cut the connection: the client sees broken JSON.
      allHeaders['content-length'] = String(Buffer.byteLength(payload));
      res.writeHead(response.status, allHeaders);
      res.write(payload.slice(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.writeHead(response.status, allHeaders);
    res.end(payload);
  };

  const answer = (
    method: string,
    url: URL,
    segments: string[],
    raw: string,
    headers: IncomingMessage['headers'],
    at: number,
    search: boolean,
  ): { response: RouteResponse; headers: Record<string, string> } => {
    if (segments[0] === 'oauth' && segments[1] === 'v1' && segments[2] === 'token' && method === 'POST') {
      const contentType = headers['content-type'] ?? '';
      if (!contentType.includes('application/x-www-form-urlencoded')) {
        return {
          response: { status: 415, body: { status: 'error', message: 'Unsupported Media Type' } },
          headers: {},
        };
      }
      return { response: tokens.refresh(new URLSearchParams(raw), at), headers: {} };
    }
    const authError = tokens.check(headers.authorization, at);
    if (authError) return { response: authError, headers: {} };
    const decision = limiter.admit(at, search);
    if (decision.error) return { response: decision.error, headers: { ...decision.headers } };
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return {
          response: validationError('Invalid input JSON on line 1'),
          headers: { ...decision.headers },
        };
      }
    }
    const response = route({ method, url, segments, body, now: at, baseUrl, portal }, cache);
    return { response, headers: { ...decision.headers } };
  };

  // Node refuses request lines past 16 KiB of headers itself (431): allow more, so the URL limit
  // above is the one a client meets.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify({ status: 'error', message: String(error), category: 'INTERNAL_ERROR' }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  const stamp = (at?: number): number => at ?? clock();
  const must = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`HubSpot sandbox: ${what}`);
  };
  return {
    baseUrl,
    port: address.port,
    accessToken: tokens.privateAppToken,
    oauth: tokens.oauth,
    requests,
    data: dataView(portal),
    editDeal: (id, props, at) =>
      must(portal.applyEdit('deals', id, props, stamp(at), 'CRM_UI') !== null, `no deal ${id}`),
    archiveDeal: (id, at) => must(portal.stores.deals.archive(id, stamp(at)), `cannot archive deal ${id}`),
    deleteDeal: (id) => must(portal.stores.deals.purge(id), `cannot delete deal ${id}`),
    mergeDeals: (survivor, merged, at) =>
      must(portal.stores.deals.merge(survivor, merged, stamp(at)), `cannot merge ${merged} into ${survivor}`),
    bulkEditDeals: (count, at) => portal.stores.deals.bulkTouch(count, at),
    editContact: (id, props, at) =>
      must(portal.applyEdit('contacts', id, props, stamp(at), 'CRM_UI') !== null, `no contact ${id}`),
    archiveContact: (id, at) =>
      must(portal.stores.contacts.archive(id, stamp(at)), `cannot archive contact ${id}`),
    reassignContact: (id, ownerId, at) =>
      must(
        portal.applyEdit('contacts', id, { hubspot_owner_id: ownerId }, stamp(at), 'CRM_UI') !== null,
        `no contact ${id}`,
      ),
    createContact: (props, at) => {
      const when = stamp(at);
      const record = portal.stores.contacts.create((id): SandboxRecord => {
        const history: Record<string, HistoryEntry[]> = {};
        const owner = props['hubspot_owner_id'] ?? null;
        return {
          id,
          createdAt: when,
          updatedAt: when,
          archivedAt: null,
          properties: {
            createdate: iso(when),
            lastmodifieddate: iso(when),
            hs_object_id: id,
            hubspot_owner_id: owner,
            hubspot_owner_assigneddate: owner ? iso(when) : null,
            hs_lead_status: 'NEW',
            ...props,
          },
          history: owner
            ? { ...history, hubspot_owner_id: [{ value: owner, timestamp: when, sourceType: 'FORM' }] }
            : history,
        };
      });
      return record.id;
    },
    deleteProperty: (object, name) =>
      must(portal.catalog.delete(object, name) === null, `cannot delete ${name}`),
    resetRequests: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function dataView(portal: Portal): HubspotSandboxData {
  const records = (object: ObjectType, options?: { readonly archived?: boolean }) => ({
    *[Symbol.iterator]() {
      for (const item of portal.stores[object].scan(0, options?.archived ?? false)) yield item.record;
    },
  });
  return {
    account: portal.account,
    teams: portal.teams,
    owners: portal.owners,
    pipelines: portal.pipelines,
    goals: portal.goals,
    unfairStretch: portal.unfair,
    dealCount: portal.stores.deals.count,
    contactCount: portal.stores.contacts.count,
    records,
    deals: (options) => records('deals', options),
    contacts: (options) => records('contacts', options),
    users: () => [...records('users')],
    goalTargets: () => [...records('goal_targets')],
    get: (object, id) => portal.stores[object].get(id),
    resolve: (object, id) => portal.stores[object].resolve(id),
    properties: (object) => portal.catalog.list(object),
    groups: (object) => portal.catalog.listGroups(object),
    written: (object) => portal.stores[object].writtenValues(),
  };
}
