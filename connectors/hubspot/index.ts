/**
 * The HubSpot connector (DESIGN.md §3): CrmConnector over HubSpot's CRM v3 API. I/O comes in as
 * ConnectorDeps; HubSpot's API surface is the data in spec.ts; JSON ⇄ domain is map.ts.
 */
import type {
  AccountInfo,
  Checkpoint,
  ConnectorDeps,
  CrmConnector,
  DealChange,
  DealPage,
  FieldReport,
  FieldSpec,
  FieldWrite,
  LeadOwnerChange,
  LeadPage,
  Owner,
  Page,
  Period,
  Pipeline,
  Quota,
  RejectedRecord,
  WriteResult,
  WriteTarget,
} from '../connector.js';
import { createHubspotApi, type HubspotApi } from './api.js';
import {
  historyFromProperties,
  leadHistoryFromProperties,
  mapAccount,
  mapDeal,
  mapDealHistory,
  mapGoal,
  mapLead,
  mapLeadHistory,
  mapOwner,
  mapPipeline,
} from './map.js';
import { ensureHubspotFields, loadUserRecords, writeHubspotBatch } from './push.js';
import {
  accountSchema,
  type ListPage,
  listPageSchema,
  type ObjectWire,
  objectSchema,
  ownerSchema,
  parseRecords,
  pipelinesSchema,
} from './schemas.js';
import { ENDPOINTS, GOAL_PROPERTIES, STAGE_PROPERTY_PREFIXES, STREAMS } from './spec.js';
import { incrementalStream, listIds, readHistory } from './streams.js';

export { DEFAULT_BASE_URL, neutraliseClientDecorators } from './api.js';
export { parseCheckpoint, type StreamCheckpoint } from './streams.js';

export interface HubspotConnectorOptions {
  /** Any HubSpot-compatible server; default https://api.hubapi.com. */
  readonly baseUrl?: string | null;
  readonly deps: ConnectorDeps;
  readonly timeoutMs?: number;
  /**
   * `computed` (default): deal history from the stage calculated properties on the list pages,
   * read only where they cannot tell (map.ts `historyFromProperties`). `read`: every deal's
   * history read in batches of 50, as before (comparisons, and a way out if a portal's
   * calculated properties were ever wrong).
   */
  readonly dealHistory?: 'computed' | 'read';
  /**
   * `computed` (default): a contact's owner history from its properties where the owner never
   * changed after creation (map.ts `leadHistoryFromProperties`), read for the others. `read`:
   * every new or reassigned contact's history read, as before.
   */
  readonly leadHistory?: 'computed' | 'read';
}

/** Deals whose history the list pages answered, and why the others need a read. */
export interface HistoryAnswers {
  readonly answered: number;
  /** A stage re-entered (or a path the calculated properties cannot show). */
  readonly stageRead: number;
  /** Reassigned after it closed: the closing owner is only in the history. */
  readonly ownerRead: number;
}

export interface HubspotConnector extends CrmConnector {
  readonly kind: 'hubspot';
  /** Requests sent so far (tests and the bench). */
  readonly requestsSent: () => number;
  /** Counted over every deal page mapped so far (tests and the bench). */
  readonly historyAnswers: () => HistoryAnswers;
}

export function createHubspotConnector(options: HubspotConnectorOptions): HubspotConnector {
  const { deps } = options;
  const api: HubspotApi = createHubspotApi({
    deps,
    ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
  // Read once per connector (one connector serves one run): later calls need the home currency,
  // the portal's zone and the owner ↔ user mapping, and must not spend requests on them again.
  let account: Promise<AccountInfo> | null = null;
  let ownerByUserId: Map<string, string> | null = null;
  let userRecords: Promise<ReadonlyMap<string, string>> | null = null;
  const now = () => deps.clock.now().getTime();
  // The pull stage reads pipelines before deals; the deal pages need their stage ids.
  let stagesRead: Promise<ReadonlyMap<string, { readonly isClosed: boolean }>> | null = null;
  const answers = { answered: 0, stageRead: 0, ownerRead: 0 };

  const getAccount = (): Promise<AccountInfo> => {
    account ??= api.call('account', accountSchema).then(mapAccount);
    account.catch(() => {
      account = null;
    });
    return account;
  };

  async function* owners(): AsyncIterable<Page<Owner>> {
    const byUser = new Map<string, string>();
    for (const archived of [false, true]) {
      let after: string | null = null;
      do {
        const response: ListPage = await api.call('owners', listPageSchema, {
          query: {
            limit: String(ENDPOINTS.owners.pageSize),
            archived: String(archived),
            after: after ?? undefined,
          },
        });
        after = response.paging;
        const { ok, bad } = parseRecords(response.results, ownerSchema);
        const records = ok.map((wire) => mapOwner({ ...wire, archived: wire.archived || archived }));
        for (const owner of records) if (owner.userId !== null) byUser.set(owner.userId, owner.externalId);
        yield { records, rejected: bad, deletedIds: [], checkpoint: null };
      } while (after !== null);
    }
    ownerByUserId = byUser;
  }

  const ownersByUser = async (): Promise<ReadonlyMap<string, string>> => {
    if (ownerByUserId === null) for await (const _ of owners());
    return ownerByUserId ?? new Map();
  };

  const connector: HubspotConnector = {
    kind: 'hubspot',
    streams: ['owners', 'pipelines', 'deals', 'leads', 'quotas'],
    requestsSent: api.sent,
    historyAnswers: () => ({ ...answers }),
    historyBatch: ENDPOINTS.history.pageSize,
    account: getAccount,
    owners,

    async pipelines(): Promise<readonly Pipeline[]> {
      const response = await api.call('pipelines', pipelinesSchema);
      const pipelines = response.results.filter((p) => !p.archived).map(mapPipeline);
      const stages = new Map(pipelines.flatMap((p) => p.stages.map((s) => [s.externalId, s] as const)));
      stagesRead = Promise.resolve(stages);
      return pipelines;
    },

    async *deals(since: Checkpoint | null): AsyncIterable<DealPage> {
      const home = (await getAccount()).currency;
      const map = (w: ObjectWire) => mapDeal(w, home);
      if (options.dealHistory === 'read') {
        yield* incrementalStream({ api, spec: STREAMS.deals, now, map }, since);
        return;
      }
      if (stagesRead === null) await connector.pipelines();
      const stages = (await stagesRead) ?? new Map<string, { readonly isClosed: boolean }>();
      const properties = [
        ...STREAMS.deals.properties,
        ...[...stages.keys()].flatMap((id) => [
          STAGE_PROPERTY_PREFIXES.entered + id,
          STAGE_PROPERTY_PREFIXES.exited + id,
        ]),
      ];
      const history = (wire: ObjectWire): readonly DealChange[] | null => {
        const known = historyFromProperties(wire, stages);
        if (known.ok) answers.answered++;
        else if (known.need === 'stage') answers.stageRead++;
        else answers.ownerRead++;
        return known.ok ? known.changes : null;
      };
      yield* incrementalStream({ api, spec: STREAMS.deals, now, map, properties, history }, since);
    },

    async *dealHistory(ids: readonly string[]): AsyncIterable<DealChange> {
      for await (const wire of readHistory(api, 'deals', STREAMS.deals.historyProperties, ids)) {
        yield* mapDealHistory(wire);
      }
    },

    async *leads(since: Checkpoint | null): AsyncIterable<LeadPage> {
      const history = options.leadHistory === 'read' ? undefined : leadHistoryFromProperties;
      yield* incrementalStream(
        { api, spec: STREAMS.leads, now, map: mapLead, ...(history && { history }) },
        since,
      );
    },

    async *leadHistory(ids: readonly string[]): AsyncIterable<LeadOwnerChange> {
      for await (const wire of readHistory(api, 'contacts', STREAMS.leads.historyProperties, ids)) {
        yield* mapLeadHistory(wire);
      }
    },

    existingIds(kind: 'deal' | 'lead'): AsyncIterable<readonly string[]> {
      return listIds(api, kind === 'deal' ? STREAMS.deals.object : STREAMS.leads.object);
    },

    async *quotas(range: Period): AsyncIterable<Quota> {
      const { timeZone, currency } = await getAccount();
      const byUser = await ownersByUser();
      const rejected: RejectedRecord[] = [];
      let after: string | null = null;
      do {
        const response: ListPage = await api.call('list', listPageSchema, {
          object: 'goal_targets',
          query: {
            limit: String(ENDPOINTS.list.pageSize),
            properties: GOAL_PROPERTIES,
            after: after ?? undefined,
          },
        });
        after = response.paging;
        for (const wire of parseRecords(response.results, objectSchema).ok) {
          const mapped = mapGoal(wire, byUser, timeZone, currency);
          if (!mapped.ok) rejected.push(mapped.rejected);
          // Goals of other kinds or periods outside the range are not quotas of this run.
          else if (mapped.value.periodEnd >= range.start && mapped.value.periodStart <= range.end)
            yield mapped.value;
        }
      } while (after !== null);
    },

    ensureFields(specs: readonly FieldSpec[], opts: { readonly dryRun: boolean }): Promise<FieldReport> {
      return ensureHubspotFields(api, specs, opts);
    },

    write(target: WriteTarget, writes: readonly FieldWrite[]): Promise<readonly WriteResult[]> {
      return writeHubspotBatch(api, target, writes, () => {
        const pending = userRecords ?? loadUserRecords(api);
        userRecords = pending;
        // A failed read is not cached: the next write tries again.
        pending.catch(() => {
          userRecords = null;
        });
        return pending;
      });
    },
  };
  return connector;
}
