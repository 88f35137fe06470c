/**
 * Groups a sandbox's request log by endpoint kind, so a request count says where requests go
 * (list pages, history batch reads, owners, …). Used by `bench/sync.ts`.
 */

/** Path segments that are record ids (numbers, or Salesforce's 15/18 characters with a digit). */
const ID = /^(\d+|(?=[a-zA-Z]*\d)[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?)$/;

/** HubSpot: `GET /crm/v3/objects/deals`, `POST /crm/v3/objects/deals/batch/read`, `GET /crm/v3/owners`. */
export function hubspotKind(method: string, path: string): string {
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => (ID.test(s) ? ':id' : s));
  return `${method} /${segments.join('/')}`;
}

/**
 * Salesforce logs the query string too: a SOQL query is named by its object (`query Opportunity`,
 * `queryAll OpportunityHistory`); a `queryMore` locator names no object.
 */
export function salesforceKind(method: string, pathAndQuery: string): string {
  const [path = '', search = ''] = pathAndQuery.split('?');
  const rest = path.replace(/^\/services\/data\/v\d+\.\d+/, '');
  const query = /^\/(tooling\/)?(query|queryAll)\/?$/.exec(rest);
  if (query) {
    const soql = new URLSearchParams(search).get('q') ?? '';
    const object = /\bfrom\s+(\w+)/i.exec(soql)?.[1] ?? '?';
    return `${query[1] ?? ''}${query[2]} ${object}`;
  }
  if (/^\/(tooling\/)?(query|queryAll)\/[^/]+$/.test(rest)) return 'queryMore';
  const segments = rest
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => (ID.test(s) ? ':id' : s));
  return `${method} /${segments.join('/')}`;
}

export interface RequestTally {
  readonly total: number;
  readonly byKind: Readonly<Record<string, number>>;
}

export function tally(kinds: Iterable<string>): RequestTally {
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const kind of kinds) {
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    total++;
  }
  const sorted = Object.fromEntries(Object.entries(byKind).sort((a, b) => b[1] - a[1]));
  return { total, byKind: sorted };
}
