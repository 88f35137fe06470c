/**
 * History reads by parent ids (OpportunityHistory, OpportunityFieldHistory, LeadHistory), with
 * as few calls as Salesforce's limits allow (spec.ts `COMPOSITE`, `QUERY_URI`):
 *
 * - API 38.0 and later: Composite calls of five queries. The ids are split into queries expected
 *   to fill about one page each, from the rows per id this connector has seen for the object, so
 *   a page of 2,000 deals takes ⌈history pages ÷ 5⌉ calls, not one call per page.
 * - Older versions: GET queries whose IN lists fill the URI limit less the headers.
 */
import type { SalesforceApi } from './api.js';
import { byParentQueries } from './soql.js';
import { COMPOSITE, type QueryUriLimits } from './spec.js';

export interface HistorySpec {
  readonly object: string;
  readonly fields: readonly string[];
  readonly parent: string;
  /** A further condition (`Field IN ('Owner', 'created')`). */
  readonly extra?: string;
}

export interface HistoryReader {
  /** Raw rows per spec, in batches; one parent's rows never span two batches. */
  read(specs: readonly HistorySpec[], ids: readonly string[]): Promise<unknown[][][]>;
}

export function createHistoryReader(api: SalesforceApi, uri: QueryUriLimits): HistoryReader {
  const composite = Number.parseFloat(api.version) >= COMPOSITE.minVersion;
  // Rows and ids read so far per object: how many ids one page's worth of rows covers.
  const seen = new Map<string, { rows: number; ids: number }>();

  const idsPerQuery = (object: string): number => {
    const s = seen.get(object);
    const rowsPerId = s && s.ids > 0 ? Math.max(s.rows / s.ids, 0.01) : COMPOSITE.startRowsPerId;
    return Math.max(1, Math.floor(COMPOSITE.rowsPerQuery / rowsPerId));
  };

  const queriesOf = (
    spec: HistorySpec,
    ids: readonly string[],
    budget: Parameters<typeof byParentQueries>[4],
  ) => byParentQueries(spec.object, spec.fields, spec.parent, ids, budget, spec.extra);

  // Composite subrequests get the same URI budget as a GET: Salesforce documents no limit on a
  // subrequest's url, so none is assumed longer than a URI it would take directly.
  const uriBudget = async () => ({
    uriBytes: uri.maxBytes - (await api.headerBytes(uri.headerAllowance)),
    maxSoqlChars: uri.maxSoqlChars,
    version: api.version,
  });

  async function viaComposite(specs: readonly HistorySpec[], ids: readonly string[]) {
    const budget = await uriBudget();
    const perSpec = specs.map((spec) => {
      const size = idsPerQuery(spec.object);
      const out: string[] = [];
      for (let i = 0; i < ids.length; i += size) out.push(...queriesOf(spec, ids.slice(i, i + size), budget));
      return out;
    });
    const results = await api.queryMany(perSpec.flat());
    let next = 0;
    return perSpec.map((queries) => queries.map(() => results[next++] ?? []));
  }

  async function viaGet(specs: readonly HistorySpec[], ids: readonly string[]) {
    const budget = await uriBudget();
    const out: unknown[][][] = [];
    for (const spec of specs) {
      const batches: unknown[][] = [];
      for (const soql of queriesOf(spec, ids, budget)) {
        const rows: unknown[] = [];
        for await (const page of api.pages(soql)) rows.push(...page.records);
        batches.push(rows);
      }
      out.push(batches);
    }
    return out;
  }

  return {
    async read(specs, ids) {
      if (ids.length === 0) return specs.map(() => []);
      const batches = composite ? await viaComposite(specs, ids) : await viaGet(specs, ids);
      specs.forEach((spec, k) => {
        const s = seen.get(spec.object) ?? { rows: 0, ids: 0 };
        s.rows += batches[k]!.reduce((n, b) => n + b.length, 0);
        s.ids += ids.length;
        seen.set(spec.object, s);
      });
      return batches;
    },
  };
}
