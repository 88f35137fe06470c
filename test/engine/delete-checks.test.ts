import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, CrmConnector } from '../../connectors/connector.js';
import { ConnectorError } from '../../connectors/connector-error.js';
import { pullConnection } from '../../src/pull/pull-connection.js';
import { lastReconciledAt } from '../../src/warehouse/checkpoints.js';
import { insertConnection } from '../support/fixtures.js';
import { createMemoryCrm, type MemoryCrmOptions } from '../support/memory-connector.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * When the pull stage looks for deletes: never by a full id listing on a first sync (resumed or
 * not: nothing saved could have been deleted), the CRM's own signal (`deletedIds`) on every later
 * run, the full listing once a period.
 */
describe('delete checks of the pull stage', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('delete_checks');
  });
  afterAll(() => t.drop());

  /** A memory CRM that counts its id listings and, when given, reports `deleted` as its signal. */
  function crm(options: MemoryCrmOptions, deleted?: readonly string[]) {
    const base = createMemoryCrm(options);
    const listings: string[] = [];
    const signals: { kind: string; since: Checkpoint }[] = [];
    const connector: CrmConnector = {
      ...base,
      existingIds(kind) {
        listings.push(kind);
        return base.existingIds(kind);
      },
      ...(deleted && {
        async *deletedIds(kind: 'deal' | 'lead', since: Checkpoint) {
          signals.push({ kind, since });
          if (kind === 'deal') yield deleted;
        },
      }),
    };
    return { connector, listings, signals };
  }
  const pull = (connector: CrmConnector, connectionId: number, reconcileEveryMs?: number) =>
    pullConnection(t.db, connector, connectionId, {
      full: false,
      runId: null,
      ...(reconcileEveryMs !== undefined && { reconcileEveryMs }),
    });
  const deleted = async (connectionId: number) =>
    (
      await t.db
        .selectFrom('deals')
        .select('external_id')
        .where('connection_id', '=', connectionId)
        .where('is_deleted', '=', true)
        .orderBy('external_id')
        .execute()
    ).map((r) => r.external_id);

  it('a first sync lists no ids and asks for no signal, yet counts as checked', async () => {
    const connection = await insertConnection(t.db, { name: 'first' });
    const first = crm({ deals: 250, leads: 30 }, ['d3']);
    const counts = await pull(first.connector, connection.id);
    expect(counts.deals).toBe(250);
    expect(first.listings).toEqual([]);
    expect(first.signals).toEqual([]);
    expect(await lastReconciledAt(t.db, connection.id)).not.toBeNull();
    expect(await deleted(connection.id)).toEqual([]);
  });

  it('a first sync resumed after it stopped mid-deals lists no ids either', async () => {
    const connection = await insertConnection(t.db, { name: 'resumed' });
    // Pages of 100: the second one (index 1) defers the run once, after 100 deals were saved.
    const stopped = crm({ deals: 250, leads: 30, deferAtPage: 1 });
    await expect(pull(stopped.connector, connection.id)).rejects.toBeInstanceOf(ConnectorError);
    const resumed = crm({ deals: 250, leads: 30 });
    expect((await pull(resumed.connector, connection.id)).deals).toBe(150);
    expect([...stopped.listings, ...resumed.listings]).toEqual([]);
  });

  it('later runs take the CRM signal every time, and the full listing only when due', async () => {
    const connection = await insertConnection(t.db, { name: 'later' });
    await pull(crm({ deals: 250, leads: 30 }).connector, connection.id);
    // Within the period: the signal, with the checkpoint the run started from; no listing.
    const second = crm({ deals: 250, leads: 30 }, ['d7', 'd9']);
    expect((await pull(second.connector, connection.id)).deleted).toBe(2);
    expect(second.signals).toEqual([
      { kind: 'deal', since: { index: 250 } },
      { kind: 'lead', since: { index: 30 } },
    ]);
    expect(second.listings).toEqual([]);
    expect(await deleted(connection.id)).toEqual(['d7', 'd9']);
    // Due (a period of 0): both kinds listed; d250 is gone from the CRM without any signal.
    const third = crm({ deals: 249, leads: 30 });
    expect((await pull(third.connector, connection.id, 0)).deleted).toBe(1);
    expect(third.listings).toEqual(['deal', 'lead']);
    expect(await deleted(connection.id)).toEqual(['d250', 'd7', 'd9']);
  });
});
