import type {
  CrmConnector,
  DealChange,
  DealPage,
  LeadOwnerChange,
  LeadPage,
  Owner,
  Page,
  Pipeline,
  Quota,
  StreamName,
} from '../../connectors/connector.js';
import { connectionHolidays } from '../calendar/connection-holidays.js';
import { addDays } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { loadCheckpoint } from '../warehouse/checkpoints.js';
import type { StreamTarget } from './page-writer.js';
import { saveDealPage, saveSplits, staleDealIds } from './save-deals.js';
import { leadsNeedingHistory, saveLeadPage } from './save-leads.js';
import { saveOwnerPage, savePipelines } from './save-owners.js';
import { saveCrmQuotas } from './save-quotas.js';

/**
 * How each stream a connector declares is pulled: where its pages come from, what a page needs
 * fetched besides (history for its stale ids), and how it is saved. The pull stage walks a
 * connector's `streams` through this table, so a new stream is one entry here and one name in
 * the connector's declaration, not a new code path.
 */
export interface StreamRun {
  readonly db: Db;
  readonly connector: CrmConnector;
  readonly target: StreamTarget;
  readonly connection: Connection;
  /** Ignore checkpoints and re-read everything. */
  readonly full: boolean;
  readonly now: () => Date;
}

export interface SavedPage {
  readonly read: number;
  readonly changed: number;
  readonly deleted: number;
  readonly quarantined: number;
}

export type CountedStream = 'owners' | 'pipelines' | 'deals' | 'leads';

export interface StreamHandler<P, X> {
  /**
   * The run count a page's records add to; a counted page is also a step of the run (abort
   * check, heartbeat). Null for a stream that only changes rows (quotas).
   */
  readonly counts: CountedStream | null;
  pages(run: StreamRun): AsyncIterable<P>;
  /** Fetched before the page is saved (history of its new or changed records). */
  fetch(run: StreamRun, page: P): Promise<X>;
  save(run: StreamRun, page: P, fetched: X): Promise<SavedPage>;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* once<T>(value: () => Promise<T>): AsyncIterable<T> {
  yield await value();
}

/** Where an incremental stream resumes: its saved checkpoint, unless the run re-reads everything. */
const since = (run: StreamRun, stream: 'deals' | 'leads') =>
  run.full ? Promise.resolve(null) : loadCheckpoint(run.db, run.target.connectionId, stream);

const owners: StreamHandler<Page<Owner>, null> = {
  counts: 'owners',
  pages: (run) => run.connector.owners(),
  fetch: async () => null,
  save: (run, page) => saveOwnerPage(run.db, run.target, page),
};

const pipelines: StreamHandler<readonly Pipeline[], null> = {
  counts: 'pipelines',
  pages: (run) => once(() => run.connector.pipelines()),
  fetch: async () => null,
  save: (run, page) => savePipelines(run.db, run.target, page),
};

/**
 * Pages held back at most while the ids they leave unanswered gather for one history read: it
 * bounds memory and how far the saved checkpoint trails the pages read.
 */
const MAX_HELD_PAGES = 25;

interface HeldDealPage {
  readonly page: DealPage;
  /** New or changed ids: only they get history (and splits). */
  readonly stale: readonly string[];
  /** The stale ids' changes the page itself answers. */
  readonly known: readonly DealChange[];
  readonly unanswered: readonly string[];
}

async function holdDealPage(run: StreamRun, page: DealPage): Promise<HeldDealPage> {
  const stale = await staleDealIds(run.db, run.target.connectionId, page.records);
  // What the page already answers (HubSpot's computed stage-entry times) is not read again.
  const answered = new Set(page.history?.answered ?? []);
  const staleSet = new Set(stale);
  return {
    page,
    stale,
    known: (page.history?.changes ?? []).filter((c) => staleSet.has(c.dealId) && answered.has(c.dealId)),
    unanswered: stale.filter((id) => !answered.has(id)),
  };
}

/** One history read for the held pages' unanswered ids, then each page saved in order. */
async function* saveHeldDealPages(run: StreamRun, held: readonly HeldDealPage[]): AsyncIterable<SavedPage> {
  const ids = held.flatMap((h) => h.unanswered);
  const read = new Map<string, DealChange[]>();
  if (ids.length > 0)
    for await (const change of run.connector.dealHistory(ids)) {
      const list = read.get(change.dealId);
      if (list) list.push(change);
      else read.set(change.dealId, [change]);
    }
  for (const { page, stale, known, unanswered } of held) {
    const history = [...known, ...unanswered.flatMap((id) => read.get(id) ?? [])];
    const saved = await saveDealPage(run.db, run.target, page, history);
    const { splits } = run.connector;
    if (splits && stale.length > 0)
      await saveSplits(
        run.db,
        run.target.connectionId,
        stale,
        await collect(splits.call(run.connector, stale)),
      );
    yield saved;
  }
}

/**
 * Pages held back for one history read: with the connector's `historyBatch`, pages wait (at
 * most MAX_HELD_PAGES) until their unanswered ids would overflow one read, so a few ids per page
 * cost one read per batch, not one per page; each page is still saved whole, with its history,
 * before its checkpoint moves.
 */
async function* pullHeld<P, H extends { readonly unanswered: readonly string[] }>(
  run: StreamRun,
  pages: AsyncIterable<P>,
  hold: (page: P) => Promise<H>,
  saveHeld: (held: readonly H[]) => AsyncIterable<SavedPage>,
): AsyncIterable<SavedPage> {
  const batch = run.connector.historyBatch ?? 0;
  let held: H[] = [];
  let waiting = 0;
  for await (const page of pages) {
    const next = await hold(page);
    if (held.length > 0 && (waiting + next.unanswered.length > batch || held.length >= MAX_HELD_PAGES)) {
      yield* saveHeld(held);
      held = [];
      waiting = 0;
    }
    held.push(next);
    waiting += next.unanswered.length;
    // Nothing waiting for a read (or no batching): the pages go to the warehouse now.
    if (waiting === 0 || batch <= 0) {
      yield* saveHeld(held);
      held = [];
      waiting = 0;
    }
  }
  if (held.length > 0) yield* saveHeld(held);
}

/** Deals: a page's history is what it answers itself plus a read of the rest. */
const dealsPull: StreamPull = {
  counts: 'deals',
  async *pull(run) {
    yield* pullHeld(
      run,
      run.connector.deals(await since(run, 'deals')),
      (page) => holdDealPage(run, page),
      (held) => saveHeldDealPages(run, held),
    );
  },
};

interface HeldLeadPage {
  readonly page: LeadPage;
  /** The new or reassigned leads' owner changes the page itself answers. */
  readonly known: readonly LeadOwnerChange[];
  readonly unanswered: readonly string[];
}

/**
 * New or reassigned leads need their owner history; what the page answers itself (a HubSpot
 * contact whose owner never changed after creation) is not read again.
 */
async function holdLeadPage(run: StreamRun, page: LeadPage): Promise<HeldLeadPage> {
  const stale = await leadsNeedingHistory(run.db, run.target.connectionId, page.records);
  const answered = new Set(page.history?.answered ?? []);
  const staleSet = new Set(stale);
  return {
    page,
    known: (page.history?.changes ?? []).filter((c) => staleSet.has(c.leadId) && answered.has(c.leadId)),
    unanswered: stale.filter((id) => !answered.has(id)),
  };
}

async function* saveHeldLeadPages(run: StreamRun, held: readonly HeldLeadPage[]): AsyncIterable<SavedPage> {
  const ids = held.flatMap((h) => h.unanswered);
  const read = new Map<string, LeadOwnerChange[]>();
  if (ids.length > 0)
    for await (const change of run.connector.leadHistory(ids)) {
      const list = read.get(change.leadId);
      if (list) list.push(change);
      else read.set(change.leadId, [change]);
    }
  for (const { page, known, unanswered } of held)
    yield await saveLeadPage(run.db, run.target, page, [
      ...known,
      ...unanswered.flatMap((id) => read.get(id) ?? []),
    ]);
}

/** Leads: held for one owner-history read like deals (pullHeld). */
const leadsPull: StreamPull = {
  counts: 'leads',
  async *pull(run) {
    yield* pullHeld(
      run,
      run.connector.leads(await since(run, 'leads')),
      (page) => holdLeadPage(run, page),
      (held) => saveHeldLeadPages(run, held),
    );
  },
};

/** CRM goals within 400 days either side of today, all at once (a goal is no page of its own). */
const quotas: StreamHandler<readonly Quota[], null> = {
  counts: null,
  pages: (run) =>
    once(() => {
      const read = run.connector.quotas;
      if (!read) throw new Error(`The ${run.connector.kind} connector declares quotas but has no quotas().`);
      const today = run.now().toISOString().slice(0, 10);
      return collect(read.call(run.connector, { start: addDays(today, -400), end: addDays(today, 400) }));
    }),
  fetch: async () => null,
  save: async (run, page) => ({
    read: 0,
    changed: await saveCrmQuotas(run.db, run.target.connectionId, page, connectionHolidays(run.connection)),
    deleted: 0,
    quarantined: 0,
  }),
};

/** A stream ready to walk: every page read, completed with what it needs, and saved, in order. */
export interface StreamPull {
  readonly counts: CountedStream | null;
  pull(run: StreamRun): AsyncIterable<SavedPage>;
}

function pullOf<P, X>(handler: StreamHandler<P, X>): StreamPull {
  return {
    counts: handler.counts,
    async *pull(run) {
      for await (const page of handler.pages(run))
        yield await handler.save(run, page, await handler.fetch(run, page));
    },
  };
}

export const STREAM_HANDLERS: { readonly [S in StreamName]: StreamPull } = {
  owners: pullOf(owners),
  pipelines: pullOf(pipelines),
  deals: dealsPull,
  leads: leadsPull,
  quotas: pullOf(quotas),
};
