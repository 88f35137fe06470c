import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, Deal, Page } from '../../../connectors/connector.js';
import { createSalesforceConnector, type SalesforceConnector } from '../../../connectors/salesforce/index.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../../sandboxes/salesforce/index.js';
import { instantClock, ORG_NOW } from './harness.js';

/**
 * SystemModstamp has whole seconds. A sync that reads a record edited in second T saves the
 * checkpoint (T, its Id); a record with a lower Id edited later in that same second T keeps the
 * timestamp T and must still be read by the next sync. (Found by the push tests: the sync after a
 * push re-reads the records it wrote, ending its checkpoint on the push's second; a stage edit
 * in that second was lost and the deal's win probability never updated.)
 */
describe('Salesforce incremental read: an edit in the checkpoint’s own second', () => {
  let sandbox: SalesforceSandbox;
  let connector: SalesforceConnector;
  // The org's clock, moved by hand: every edit lands in a second the test chooses.
  let now = ORG_NOW.getTime();
  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({
      seed: 2,
      deals: 40,
      leads: 10,
      now: ORG_NOW,
      clock: { now: () => now },
    });
    connector = createSalesforceConnector({
      instanceUrl: sandbox.instanceUrl,
      apiVersion: '62.0',
      deps: {
        fetch: globalThis.fetch,
        clock: instantClock,
        budget: { acquire: async () => {}, observe: async () => {} },
        tokens: {
          load: async () => ({ method: 'access_token', accessToken: sandbox.accessToken }),
          save: async () => {},
        },
      },
    });
  });
  afterAll(() => sandbox.close());

  async function read(since: Checkpoint | null): Promise<{ ids: string[]; checkpoint: Checkpoint | null }> {
    const ids: string[] = [];
    let checkpoint = since;
    for await (const page of connector.deals(since) as AsyncIterable<Page<Deal>>) {
      ids.push(...page.records.map((d) => d.externalId));
      checkpoint = page.checkpoint ?? checkpoint;
    }
    return { ids, checkpoint };
  }

  it('reads a lower-Id record edited in the same second after the previous read', async () => {
    const ids = sandbox.data
      .records('Opportunity')
      .map((o) => String(o['Id']))
      .sort();
    const [low, high] = [ids[0] as string, ids[ids.length - 1] as string];

    now += 60_000 + 100; // 12:01:00.100
    sandbox.edit('Opportunity', high, { Name: 'Edited first' });
    const first = await read(null);
    expect(first.checkpoint).toEqual({ systemModstamp: '2026-03-15T12:01:00.000Z', id: high });

    now += 500; // 12:01:00.600: same second, stamped 12:01:00 as well
    sandbox.edit('Opportunity', low, { Name: 'Edited second' });
    const second = await read(first.checkpoint);
    expect(second.ids).toContain(low);
  });
});
