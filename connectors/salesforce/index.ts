/**
 * The Salesforce connector (DESIGN.md §3) on jsforce 3.10.16. I/O comes in as ConnectorDeps;
 * Salesforce's surface is the data in spec.ts, the queries soql.ts, JSON ⇄ domain map.ts.
 *
 * Deals and leads are read incrementally through queryAll ordered by (SystemModstamp, Id); each
 * page carries the checkpoint `{ systemModstamp, id }` of its last record, never a cursor URL
 * (a query locator dies after 15 idle minutes). A no-change sync costs 7 requests: one Composite
 * call for Organization and CurrencyType, User, Group, OpportunityStage, Opportunity, Lead,
 * ForecastingQuota.
 *
 * Deletes: the incremental queryAll is Salesforce's delete signal. A deleted record keeps its
 * row in the Recycle Bin with IsDeleted = true and a new SystemModstamp (the stamp replication
 * tools read deletes by), so the next run's `SystemModstamp > checkpoint` read returns it in
 * `Page.deletedIds` at no extra request; the connector therefore has no `deletedIds()`, which
 * would repeat the same `IsDeleted = true AND SystemModstamp > since` queryAll as a separate
 * request per object per run. The Recycle Bin keeps a row 15 days (less when the org passes its
 * 5,000 records per licence: the oldest go after two hours; emptyRecycleBin: about a day), so a
 * run whose checkpoint is older than that misses those deletes: the periodic full check
 * (`existingIds`, compared with the warehouse) marks them.
 */

import type { z } from 'zod';
import type {
  AccountInfo,
  Checkpoint,
  ConnectorDeps,
  CrmConnector,
  Deal,
  DealChange,
  FieldReport,
  FieldSpec,
  FieldWrite,
  Lead,
  LeadOwnerChange,
  Owner,
  Page,
  Period,
  Pipeline,
  Quota,
  RejectedRecord,
  WriteResult,
} from '../connector.js';
import { ConnectorError } from '../connector-error.js';
import { createSalesforceApi, type SalesforceApi, type SalesforceApiOptions } from './api.js';
import { ensureSalesforceFields } from './fields.js';
import { createHistoryReader } from './history.js';
import {
  type CurrencyContext,
  type CurrencyRow,
  currencyContext,
  currencySchema,
  fieldHistorySchema,
  instant,
  leadSchema,
  mapAccount,
  mapDeal,
  mapLead,
  mapOwners,
  mapPipeline,
  mapQueue,
  mapQuota,
  mapStageHistory,
  opportunitySchema,
  organizationSchema,
  ownerChanges,
  parseEach,
  queueSchema,
  quotaSchema,
  stageHistorySchema,
  stageSchema,
  toDealOwnerChanges,
  toLeadOwnerChanges,
  userSchema,
} from './map.js';
import { createOrgAccess } from './permissions.js';
import { writeScorecards } from './scorecard.js';
import { incrementalQuery, type Keyset, quotaQuery, selectAll } from './soql.js';
import { COMPOSITE, LOOKBACK_MS, OBJECTS, QUERY_URI, type QueryUriLimits, STREAMS } from './spec.js';
import { SalesforceApiError } from './transport.js';
import { createWriter } from './write.js';

export { DEFAULT_API_VERSION } from './spec.js';

type OpportunityRow = z.output<typeof opportunitySchema>;
type LeadRow = z.output<typeof leadSchema>;

export interface SalesforceConnectorOptions extends Omit<SalesforceApiOptions, 'deps'> {
  readonly deps: ConnectorDeps;
  readonly lookbackMs?: number;
  /** Salesforce's URI limits (spec.ts `QUERY_URI`); tests narrow them to compare batchings. */
  readonly queryUri?: Partial<QueryUriLimits>;
}

export interface SalesforceConnector extends CrmConnector {
  readonly kind: 'salesforce';
  /** Requests sent so far (tests and the bench). */
  readonly requestsSent: () => number;
  readonly apiUsage: () => { readonly used: number; readonly max: number } | null;
}

/** Reads `{ systemModstamp, id }`; anything else (an older format, a hand edit) means "from the start". */
export function parseCheckpoint(checkpoint: Checkpoint | null): Keyset | null {
  const ts = checkpoint?.['systemModstamp'];
  const id = checkpoint?.['id'];
  if (typeof ts !== 'string' || typeof id !== 'string' || !/^[A-Za-z0-9]{15,18}$/.test(id)) return null;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? null : { ts: ms, id };
}

const after = (a: Keyset, b: Keyset | null) => b === null || a.ts > b.ts || (a.ts === b.ts && a.id > b.id);

/** The keyset of the last raw record that has one (a malformed record must not stall the stream). */
function lastKey(records: readonly unknown[]): Keyset | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i] as { Id?: unknown; SystemModstamp?: unknown } | null;
    if (typeof r?.Id !== 'string' || typeof r.SystemModstamp !== 'string') continue;
    try {
      return { ts: Date.parse(instant(r.SystemModstamp)), id: r.Id };
    } catch {}
  }
  return null;
}

/** Owner changes, and the `created` row that dates the first owner. */
const OWNER_ROWS = "Field IN ('Owner', 'created')";

const isMissingObject = (error: unknown) =>
  error instanceof SalesforceApiError && (error.code === 'INVALID_TYPE' || error.code === 'NOT_FOUND');

export function createSalesforceConnector(options: SalesforceConnectorOptions): SalesforceConnector {
  const api: SalesforceApi = createSalesforceApi(options);
  const lookbackMs = options.lookbackMs ?? LOOKBACK_MS;
  const history = createHistoryReader(api, { ...QUERY_URI, ...options.queryUri });
  // Read once per connector (one connector serves one run): deals need the currency context.
  let accountState: Promise<{ account: AccountInfo; currency: CurrencyContext }> | null = null;

  const all = async <T>(soql: string, parse: (raw: readonly unknown[]) => { records: T[] }): Promise<T[]> => {
    const out: T[] = [];
    for await (const page of api.pages(soql)) out.push(...parse(page.records).records);
    return out;
  };

  const orgSoql = selectAll(OBJECTS.organization.object, OBJECTS.organization.fields);
  const currencySoql = selectAll(OBJECTS.currencies.object, OBJECTS.currencies.fields);
  /**
   * The Organization row and the currency table. CurrencyType exists only in multi-currency orgs
   * (elsewhere INVALID_TYPE) and no field of Organization says which an org is, so both queries
   * go in one Composite call (one call toward the API limits) where the version has Composite,
   * and a single-currency org's failing CurrencyType query costs no request of its own.
   */
  const readAccountRows = async (): Promise<{ orgRows: unknown[]; currencyRows: unknown[] | null }> => {
    if (Number.parseFloat(api.version) >= COMPOSITE.minVersion) {
      const [orgRows, currencyRows] = await api.querySettled([orgSoql, currencySoql], isMissingObject);
      return { orgRows: orgRows ?? [], currencyRows: currencyRows ?? null };
    }
    const rows = async (soql: string) => {
      const out: unknown[] = [];
      for await (const page of api.pages(soql)) out.push(...page.records);
      return out;
    };
    const orgRows = await rows(orgSoql);
    try {
      return { orgRows, currencyRows: await rows(currencySoql) };
    } catch (error) {
      if (!isMissingObject(error)) throw error;
      return { orgRows, currencyRows: null };
    }
  };

  const loadAccount = async () => {
    const { orgRows, currencyRows } = await readAccountRows();
    const org = parseEach(organizationSchema, orgRows).records[0];
    if (!org)
      throw new ConnectorError(
        'auth',
        'Salesforce returned no Organization row; check that the integration user has API access.',
      );
    const currencies: CurrencyRow[] | null =
      currencyRows === null ? null : parseEach(currencySchema, currencyRows).records;
    const account = mapAccount(org, currencies);
    return { account, currency: currencyContext(account, currencies) };
  };

  const state = () => {
    accountState ??= loadAccount();
    accountState.catch(() => {
      accountState = null;
    });
    return accountState;
  };

  async function* incremental<R, T>(
    stream: (typeof STREAMS)[keyof typeof STREAMS],
    since: Checkpoint | null,
    fields: readonly string[],
    parse: (raw: readonly unknown[]) => { records: R[]; rejected: RejectedRecord[] },
    map: (record: R) => { deleted: string } | { record: T } | { rejected: RejectedRecord },
  ): AsyncIterable<Page<T>> {
    const from = parseCheckpoint(since);
    let last = from;
    const soql = incrementalQuery(stream, fields, from, lookbackMs);
    for await (const page of api.pages(soql, { all: true })) {
      if (page.records.length === 0) continue;
      const parsed = parse(page.records);
      const records: T[] = [];
      const deletedIds: string[] = [];
      const rejected = [...parsed.rejected];
      for (const r of parsed.records) {
        const m = map(r);
        if ('deleted' in m) deletedIds.push(m.deleted);
        else if ('record' in m) records.push(m.record);
        else rejected.push(m.rejected);
      }
      // Lookback rows sort before the saved keyset: the checkpoint never moves backwards.
      const key = lastKey(page.records);
      if (key && after(key, last)) last = key;
      yield {
        records,
        rejected,
        deletedIds,
        checkpoint: last ? { systemModstamp: new Date(last.ts).toISOString(), id: last.id } : null,
      };
    }
  }

  const groupBy = <R extends Record<string, unknown>>(rows: readonly R[], key: string) => {
    const groups = new Map<string, R[]>();
    for (const r of rows) {
      const k = String(r[key]);
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
    return groups;
  };

  // Whether rep values go to User or the scorecard: decided once per connector (permissions.ts).
  const access = createOrgAccess(api);
  const writer = createWriter(api, access, (writes) => writeScorecards(api, writes));

  return {
    kind: 'salesforce',
    streams: ['owners', 'pipelines', 'deals', 'leads', 'quotas'],
    requestsSent: () => api.sent(),
    apiUsage: () => api.usage(),

    async account() {
      return (await state()).account;
    },

    async *owners(): AsyncIterable<Page<Owner>> {
      const users = parseEach(userSchema, await rawAll(api, selectAll('User', OBJECTS.users.fields)));
      yield { records: mapOwners(users.records), rejected: users.rejected, deletedIds: [], checkpoint: null };
      const queues = parseEach(
        queueSchema,
        await rawAll(api, selectAll(OBJECTS.queues.object, OBJECTS.queues.fields, "Type = 'Queue'")),
      );
      yield {
        records: queues.records.map(mapQueue),
        rejected: queues.rejected,
        deletedIds: [],
        checkpoint: null,
      };
    },

    async pipelines(): Promise<readonly Pipeline[]> {
      const stages = await all(selectAll(OBJECTS.stages.object, OBJECTS.stages.fields), (r) =>
        parseEach(stageSchema, r),
      );
      stages.sort((a, b) => (a.SortOrder ?? 0) - (b.SortOrder ?? 0));
      return [mapPipeline(stages)];
    },

    async *deals(since): AsyncIterable<Page<Deal>> {
      const { currency } = await state();
      const spec = STREAMS.deals;
      const fields = [...spec.fields, ...(currency.multiCurrency ? spec.currencyFields : [])];
      yield* incremental<OpportunityRow, Deal>(
        spec,
        since,
        fields,
        (raw) => parseEach(opportunitySchema, raw),
        (o) => {
          if (o.IsDeleted) return { deleted: o.Id };
          const deal = mapDeal(o, currency);
          return typeof deal === 'string'
            ? { rejected: { externalId: o.Id, payload: o, reason: deal } }
            : { record: deal };
        },
      );
    },

    async *dealHistory(ids): AsyncIterable<DealChange> {
      const ownerSchema = fieldHistorySchema.extend({
        OpportunityId: stageHistorySchema.shape.OpportunityId,
      });
      const [stages = [], owners = []] = await history.read(
        [OBJECTS.opportunityHistory, { ...OBJECTS.opportunityOwnerHistory, extra: OWNER_ROWS }],
        ids,
      );
      for (const rows of stages) yield* mapStageHistory(parseEach(stageHistorySchema, rows).records);
      for (const rows of owners)
        for (const [dealId, changes] of groupBy(parseEach(ownerSchema, rows).records, 'OpportunityId'))
          yield* toDealOwnerChanges(dealId, ownerChanges(changes));
    },

    async *leads(since): AsyncIterable<Page<Lead>> {
      yield* incremental<LeadRow, Lead>(
        STREAMS.leads,
        since,
        STREAMS.leads.fields,
        (raw) => parseEach(leadSchema, raw),
        (l) => (l.IsDeleted ? { deleted: l.Id } : { record: mapLead(l) }),
      );
    },

    async *leadHistory(ids): AsyncIterable<LeadOwnerChange> {
      const schema = fieldHistorySchema.extend({ LeadId: stageHistorySchema.shape.OpportunityId });
      const [owners = []] = await history.read([{ ...OBJECTS.leadOwnerHistory, extra: OWNER_ROWS }], ids);
      for (const rows of owners)
        for (const [leadId, changes] of groupBy(parseEach(schema, rows).records, 'LeadId'))
          yield* toLeadOwnerChanges(leadId, ownerChanges(changes));
    },

    async *existingIds(kind): AsyncIterable<readonly string[]> {
      const object = kind === 'deal' ? STREAMS.deals.object : STREAMS.leads.object;
      for await (const page of api.pages(`SELECT Id FROM ${object}`)) {
        yield page.records.flatMap((r) => {
          const id = (r as { Id?: unknown } | null)?.Id;
          return typeof id === 'string' ? [id] : [];
        });
      }
    },

    async *quotas(range: Period): AsyncIterable<Quota> {
      const { account, currency } = await state();
      const spec = OBJECTS.quotas;
      const fields = [...spec.fields, ...(currency.multiCurrency ? spec.currencyFields : [])];
      let rows: unknown[];
      try {
        rows = await rawAll(api, quotaQuery(fields, range));
      } catch (error) {
        // Collaborative Forecasts off: the org has no ForecastingQuota object.
        if (isMissingObject(error)) return;
        throw error;
      }
      for (const q of parseEach(quotaSchema, rows).records) {
        const quota = mapQuota(q, account.currency);
        if (quota) yield quota;
      }
    },

    ensureFields(specs: readonly FieldSpec[], opts: { readonly dryRun: boolean }): Promise<FieldReport> {
      return ensureSalesforceFields(api, access, specs, opts);
    },

    write(target, writes: readonly FieldWrite[]): Promise<readonly WriteResult[]> {
      return writer.write(target, writes);
    },
  };
}

async function rawAll(api: SalesforceApi, soql: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const page of api.pages(soql)) out.push(...page.records);
  return out;
}
