import { sql } from 'kysely';
import type {
  AccountInfo,
  CrmConnector,
  Deal,
  DealChange,
  Lead,
  LeadOwnerChange,
} from '../../connectors/connector.js';
import { connectionHolidays } from '../calendar/connection-holidays.js';
import { addDays } from '../calendar/periods.js';
import type { Db } from '../db.js';
import { loadCheckpoint } from './page-writer.js';
import { type StreamTarget, saveDealPage, staleDealIds } from './save-deals.js';
import { leadsNeedingHistory, saveLeadPage } from './save-leads.js';
import { saveOwnerPage, savePipelines } from './save-owners.js';
import { saveCrmQuotas } from './save-quotas.js';

/**
 * The pull stage for one connection: account settings, owners, pipelines, then the incremental
 * streams (deals, leads), each page saved with its checkpoint; then hard-delete reconciliation
 * when due. It only sees pages: pagination, windows and vendor limits are the connector's.
 */
export interface PullCounts {
  owners: number;
  pipelines: number;
  deals: number;
  leads: number;
  deleted: number;
  changed: number;
  quarantined: number;
}

export interface PullOptions {
  /** Ignore checkpoints and re-read everything (also forces reconciliation). */
  readonly full: boolean;
  readonly runId: number | null;
  /** Aborted when the run lost its lock: stop between pages. */
  readonly signal?: AbortSignal;
  /** Called after every saved page (heartbeat, progress). */
  readonly onPage?: (counts: Readonly<PullCounts>) => Promise<void>;
  /** Hard-delete reconciliation at most this often (default daily). */
  readonly reconcileEveryMs?: number;
  readonly now?: () => Date;
}

/** Rows changed in one pull after which table statistics are refreshed before compute. */
const ANALYZE_AFTER_CHANGES = 500;

export function emptyPullCounts(): PullCounts {
  return { owners: 0, pipelines: 0, deals: 0, leads: 0, deleted: 0, changed: 0, quarantined: 0 };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('pull aborted');
}

export async function saveAccount(db: Db, connectionId: number, account: AccountInfo): Promise<void> {
  await db
    .updateTable('connections')
    .set({
      account_id: account.accountId,
      crm_time_zone: account.timeZone,
      crm_fiscal_year_start: account.fiscalYearStartMonth,
      currency: account.currency,
      multi_currency: account.multiCurrency,
    })
    .where('id', '=', connectionId)
    .where(
      sql<boolean>`(account_id, crm_time_zone, crm_fiscal_year_start, currency, multi_currency) is distinct from
        (${account.accountId}, ${account.timeZone}, ${account.fiscalYearStartMonth}, ${account.currency}, ${account.multiCurrency})`,
    )
    .execute();
}

export async function pullConnection(
  db: Db,
  connector: CrmConnector,
  connectionId: number,
  options: PullOptions,
): Promise<PullCounts> {
  const counts = emptyPullCounts();
  const now = options.now ?? (() => new Date());
  const add = (
    stream: 'owners' | 'pipelines' | 'deals' | 'leads',
    page: { read: number; changed: number; deleted: number; quarantined: number },
  ) => {
    counts[stream] += page.read;
    counts.changed += page.changed;
    counts.deleted += page.deleted;
    counts.quarantined += page.quarantined;
  };
  const afterPage = async () => {
    checkAborted(options.signal);
    await options.onPage?.(counts);
  };

  const account = await connector.account();
  await saveAccount(db, connectionId, account);
  const connection = await db
    .selectFrom('connections')
    .select(['time_zone_override', 'crm_time_zone', 'settings'])
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  const target: StreamTarget = {
    connectionId,
    runId: options.runId,
    timeZone: connection.time_zone_override ?? connection.crm_time_zone ?? 'UTC',
  };

  for await (const page of connector.owners()) {
    add('owners', await saveOwnerPage(db, target, page));
    await afterPage();
  }
  add('pipelines', await savePipelines(db, target, await connector.pipelines()));
  await afterPage();

  const dealsFrom = options.full ? null : await loadCheckpoint(db, connectionId, 'deals');
  for await (const page of connector.deals(dealsFrom)) {
    const stale = await staleDealIds(db, connectionId, page.records as readonly Deal[]);
    const history: DealChange[] = stale.length > 0 ? await collect(connector.dealHistory(stale)) : [];
    add('deals', await saveDealPage(db, target, page, history));
    if (connector.splits && stale.length > 0)
      await saveSplits(db, connectionId, stale, await collect(connector.splits(stale)));
    await afterPage();
  }

  const leadsFrom = options.full ? null : await loadCheckpoint(db, connectionId, 'leads');
  for await (const page of connector.leads(leadsFrom)) {
    const stale = await leadsNeedingHistory(db, connectionId, page.records as readonly Lead[]);
    const history: LeadOwnerChange[] = stale.length > 0 ? await collect(connector.leadHistory(stale)) : [];
    add('leads', await saveLeadPage(db, target, page, history));
    await afterPage();
  }

  if (connector.quotas) {
    const today = now().toISOString().slice(0, 10);
    const range = { start: addDays(today, -400), end: addDays(today, 400) };
    counts.changed += await saveCrmQuotas(
      db,
      connectionId,
      await collect(connector.quotas(range)),
      connectionHolidays({ settings: connection.settings }),
    );
  }

  // A first sync or a big backfill changes the tables' shape faster than autovacuum notices; the
  // compute stage right after would be planned on empty-table statistics (nested loops over
  // thousands of rows). Sampling statistics now costs well under a second even at a million rows.
  if (counts.changed >= ANALYZE_AFTER_CHANGES) {
    await sql`analyze owners, owner_teams, stages, deals, deal_history, deal_splits, leads, lead_assignments, quotas`.execute(
      db,
    );
  }

  const due =
    options.full || (await reconcileDue(db, connectionId, now(), options.reconcileEveryMs ?? 86_400_000));
  if (due) {
    for (const kind of ['deal', 'lead'] as const) {
      counts.deleted += await reconcileDeletes(db, connector, connectionId, kind, options.runId);
      checkAborted(options.signal);
    }
  }
  return counts;
}

async function saveSplits(
  db: Db,
  connectionId: number,
  dealIds: readonly string[],
  splits: readonly { dealId: string; ownerId: string; percent: number }[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('deal_splits')
      .where('connection_id', '=', connectionId)
      .where('deal_id', 'in', [...dealIds])
      .execute();
    const rows = splits
      .filter((s) => s.percent >= 0 && s.percent <= 100)
      .map((s) => ({
        connection_id: connectionId,
        deal_id: s.dealId,
        owner_id: s.ownerId,
        percent: s.percent,
      }));
    if (rows.length > 0)
      await trx
        .insertInto('deal_splits')
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .execute();
  });
}

async function reconcileDue(db: Db, connectionId: number, now: Date, everyMs: number): Promise<boolean> {
  const row = await db
    .selectFrom('sync_checkpoints')
    .select('updated_at')
    .where('connection_id', '=', connectionId)
    .where('stream', '=', 'reconcile')
    .executeTakeFirst();
  return !row || now.getTime() - row.updated_at.getTime() >= everyMs;
}

/**
 * Hard deletes leave no trace in incremental reads: compare every id the CRM still has with the
 * warehouse and mark the rest deleted. Ids are staged in a temporary table so a million of them
 * cost one anti-join, not a million statements. Only a complete id listing is trusted.
 */
export async function reconcileDeletes(
  db: Db,
  connector: CrmConnector,
  connectionId: number,
  kind: 'deal' | 'lead',
  runId: number | null,
): Promise<number> {
  const table = kind === 'deal' ? 'deals' : 'leads';
  return db.connection().execute(async (conn) => {
    await sql`create temp table if not exists reconcile_ids (external_id text primary key) on commit preserve rows`.execute(
      conn,
    );
    await sql`truncate reconcile_ids`.execute(conn);
    for await (const ids of connector.existingIds(kind)) {
      if (ids.length === 0) continue;
      await sql`insert into reconcile_ids select unnest(${[...ids]}::text[]) on conflict do nothing`.execute(
        conn,
      );
    }
    const result = await conn.transaction().execute(async (trx) => {
      const marked =
        await sql`update ${sql.table(table)} t set is_deleted = true, deleted_at = now(), synced_at = now()
        where t.connection_id = ${connectionId} and not t.is_deleted
          and not exists (select 1 from reconcile_ids r where r.external_id = t.external_id)`.execute(trx);
      await sql`insert into sync_checkpoints (connection_id, stream, checkpoint, run_id) values (${connectionId}, 'reconcile', 'null'::jsonb, ${runId})
        on conflict (connection_id, stream) do update set updated_at = now(), run_id = excluded.run_id`.execute(
        trx,
      );
      return Number(marked.numAffectedRows ?? 0n);
    });
    await sql`drop table if exists reconcile_ids`.execute(conn);
    return result;
  });
}
