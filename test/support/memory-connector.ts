import type {
  AccountInfo,
  Checkpoint,
  CrmConnector,
  Deal,
  DealChange,
  Lead,
  LeadOwnerChange,
  Owner,
  Page,
  Pipeline,
} from '../../connectors/connector.js';
import { ConnectorError } from '../../connectors/connector-error.js';

/**
 * An in-memory CRM behind the real connector contract, for engine tests. Its data is a pure
 * function of its options, so a child process built with the same options serves the same
 * records — which is what lets crash tests compare the warehouse with "the CRM".
 */
export interface MemoryCrmOptions {
  readonly deals: number;
  readonly leads?: number;
  readonly pageSize?: number;
  /** Bumps lastModifiedAt and amount of every deal whose index is below it (an "edit"). */
  readonly version?: number;
  readonly editedDeals?: number;
  /** Deal indexes (0-based) served as malformed records. */
  readonly malformed?: readonly number[];
  /** Throw a deferred error when this page index of deals is requested (once per connector). */
  readonly deferAtPage?: number;
  /** Wait this long before each deals page (crash tests kill the process mid-pull). */
  readonly pageDelayMs?: number;
  readonly accountId?: string;
}

export interface MemoryCrm extends CrmConnector {
  readonly calls: { deals: Checkpoint | null; pages: number }[];
  expectedDeals(): Deal[];
}

const BASE = Date.parse('2026-01-05T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

export const memoryOwners: readonly Owner[] = [1, 2, 3, 4, 5].map((n) => ({
  externalId: `o${n}`,
  email: `rep${n}@example.com`,
  firstName: `Rep`,
  lastName: `${n}`,
  active: n !== 5,
  userId: `u${n}`,
  managerId: null,
  teams: [{ externalId: n <= 3 ? 't1' : 't2', name: n <= 3 ? 'East' : 'West', primary: true }],
  isQueue: false,
  createdAt: iso(BASE),
  updatedAt: iso(BASE),
}));

export const memoryPipelines: readonly Pipeline[] = [
  {
    externalId: 'default',
    label: 'Sales',
    displayOrder: 0,
    stages: [
      {
        externalId: 'qualify',
        label: 'Qualify',
        displayOrder: 0,
        probability: 0.1,
        isClosed: false,
        isWon: false,
        forecastCategory: 'pipeline',
      },
      {
        externalId: 'propose',
        label: 'Propose',
        displayOrder: 1,
        probability: 0.5,
        isClosed: false,
        isWon: false,
        forecastCategory: 'best_case',
      },
      {
        externalId: 'commit',
        label: 'Commit',
        displayOrder: 2,
        probability: 0.8,
        isClosed: false,
        isWon: false,
        forecastCategory: 'commit',
      },
      {
        externalId: 'won',
        label: 'Won',
        displayOrder: 3,
        probability: 1,
        isClosed: true,
        isWon: true,
        forecastCategory: 'closed',
      },
      {
        externalId: 'lost',
        label: 'Lost',
        displayOrder: 4,
        probability: 0,
        isClosed: true,
        isWon: false,
        forecastCategory: 'omitted',
      },
    ],
  },
];

const STAGES = ['qualify', 'propose', 'commit', 'won', 'lost'];

export function memoryDeal(i: number, options: MemoryCrmOptions): Deal {
  const edited = (options.version ?? 0) > 0 && i < (options.editedDeals ?? 0);
  return {
    externalId: `d${i + 1}`,
    name: `Deal ${i + 1}`,
    pipelineId: 'default',
    stageId: STAGES[i % STAGES.length] as string,
    ownerId: `o${(i % 4) + 1}`,
    amount: `${1000 + (i % 50) * 100 + (edited ? (options.version ?? 0) : 0)}.00`,
    currency: 'USD',
    amountHome: `${1000 + (i % 50) * 100 + (edited ? (options.version ?? 0) : 0)}.00`,
    createdAt: iso(BASE + i * 60_000),
    closeDate: iso(BASE + 30 * 86_400_000 + i * 60_000),
    forecastCategory: null,
    probability: null,
    lastModifiedAt: iso(BASE + i * 1000 + (edited ? 86_400_000 * (options.version ?? 0) : 0)),
    mergedIds: [],
  };
}

export function createMemoryCrm(options: MemoryCrmOptions): MemoryCrm {
  const pageSize = options.pageSize ?? 100;
  const calls: { deals: Checkpoint | null; pages: number }[] = [];
  let deferred = false;
  const deals = (): Deal[] => Array.from({ length: options.deals }, (_, i) => memoryDeal(i, options));
  const leads = (): Lead[] =>
    Array.from({ length: options.leads ?? 0 }, (_, i) => ({
      externalId: `l${i + 1}`,
      email: `lead${i + 1}@example.com`,
      ownerId: `o${(i % 4) + 1}`,
      assignedAt: iso(BASE + i * 3_600_000),
      score: (i * 7) % 100,
      rating: null,
      source: 'web',
      status: 'new',
      createdAt: iso(BASE + i * 3_600_000),
      lastModifiedAt: iso(BASE + i * 3_600_000),
    }));

  async function* paged<T>(
    items: readonly T[],
    since: Checkpoint | null,
    stream: 'deals' | 'leads',
  ): AsyncIterable<Page<T>> {
    const start = typeof since?.index === 'number' ? since.index : 0;
    const call = { deals: since, pages: 0 };
    if (stream === 'deals') calls.push(call);
    for (let index = start; index < items.length; index += pageSize) {
      const pageNo = Math.floor(index / pageSize);
      if (stream === 'deals' && options.deferAtPage === pageNo && !deferred) {
        deferred = true;
        throw new ConnectorError('deferred', 'Daily API allowance reached (test double).');
      }
      if (stream === 'deals' && options.pageDelayMs)
        await new Promise((r) => setTimeout(r, options.pageDelayMs));
      call.pages++;
      const slice = items.slice(index, index + pageSize);
      const records = slice.map((record, k) =>
        stream === 'deals' && options.malformed?.includes(index + k)
          ? ({ ...(record as object), amount: 'twelve dollars' } as T)
          : record,
      );
      yield {
        records,
        rejected: [],
        deletedIds: [],
        checkpoint: { index: Math.min(index + pageSize, items.length) },
      };
    }
  }

  return {
    kind: 'hubspot',
    streams: ['owners', 'pipelines', 'deals', 'leads'],
    calls,
    expectedDeals: () => deals().filter((_, i) => !options.malformed?.includes(i)),
    async account(): Promise<AccountInfo> {
      return {
        accountId: options.accountId ?? 'mem-1',
        timeZone: 'UTC',
        fiscalYearStartMonth: null,
        currency: 'USD',
        multiCurrency: false,
      };
    },
    async *owners() {
      yield { records: memoryOwners, rejected: [], deletedIds: [], checkpoint: null };
    },
    async pipelines() {
      return memoryPipelines;
    },
    deals: (since) => paged(deals(), since, 'deals'),
    async *dealHistory(ids): AsyncIterable<DealChange> {
      for (const id of ids) {
        yield {
          dealId: id,
          field: 'stage',
          value: 'qualify',
          changedAt: iso(BASE + Number(id.slice(1)) * 60_000),
        };
      }
    },
    leads: (since) => paged(leads(), since, 'leads'),
    async *leadHistory(): AsyncIterable<LeadOwnerChange> {},
    async *existingIds(kind) {
      yield kind === 'deal' ? deals().map((d) => d.externalId) : leads().map((l) => l.externalId);
    },
    async ensureFields() {
      return { created: [], existing: [], failed: [], notes: [], calls: 0 };
    },
    async write(_target, writes) {
      return writes.map((w) => ({ recordId: w.recordId, ok: true }));
    },
  };
}
