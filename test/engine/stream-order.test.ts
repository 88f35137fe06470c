import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDeps, CrmConnector, StreamName } from '../../connectors/connector.js';
import { createHubspotConnector } from '../../connectors/hubspot/index.js';
import { createSalesforceConnector } from '../../connectors/salesforce/index.js';
import { pullConnection } from '../../src/pull/pull-connection.js';
import { STREAM_HANDLERS } from '../../src/pull/stream-handlers.js';
import { insertConnection } from '../support/fixtures.js';
import { createMemoryCrm } from '../support/memory-connector.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * A connector declares its streams and their order (DESIGN §2: a stage's job as data); the pull
 * stage walks that declaration, so the order a CRM is read in is the connector's one line.
 */
const deps: ConnectorDeps = {
  fetch: async () => {
    throw new Error('no request is sent by building a connector');
  },
  budget: { acquire: async () => {}, observe: async () => {} },
  tokens: { load: async () => ({}), save: async () => {} },
  clock: { now: () => new Date('2026-05-01T12:00:00Z'), sleep: async () => {} },
};

/** The memory CRM declaring `streams`, logging which stream each read starts. */
function recording(streams: readonly StreamName[], withQuotas = false) {
  const base = createMemoryCrm({ deals: 12, leads: 7, pageSize: 5 });
  const read: string[] = [];
  const connector: CrmConnector = {
    ...base,
    streams,
    owners: () => {
      read.push('owners');
      return base.owners();
    },
    pipelines: () => {
      read.push('pipelines');
      return base.pipelines();
    },
    deals: (since) => {
      read.push('deals');
      return base.deals(since);
    },
    leads: (since) => {
      read.push('leads');
      return base.leads(since);
    },
    ...(withQuotas && {
      async *quotas() {
        read.push('quotas');
        // This CRM has no goals: the stream is read and yields none.
        yield* [];
      },
    }),
  };
  return { connector, read };
}

describe('stream order as a declaration', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('stream_order');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('each connector declares owners and pipelines before deals and leads, and quotas where it reads them', () => {
    const hubspot = createHubspotConnector({ baseUrl: 'https://api.hubspot.test', deps });
    const salesforce = createSalesforceConnector({ instanceUrl: 'https://org.my.salesforce.test', deps });
    expect(hubspot.streams).toEqual(['owners', 'pipelines', 'deals', 'leads', 'quotas']);
    expect(salesforce.streams).toEqual(['owners', 'pipelines', 'deals', 'leads', 'quotas']);
    for (const connector of [hubspot, salesforce] as CrmConnector[]) {
      for (const stream of connector.streams) expect(STREAM_HANDLERS[stream]).toBeDefined();
      expect(connector.streams.includes('quotas')).toBe(connector.quotas !== undefined);
    }
  });

  it('pull reads the streams in the declared order, and only those', async () => {
    const { connector, read } = recording(['owners', 'pipelines', 'deals', 'leads', 'quotas'], true);
    const connection = await insertConnection(t.db, { name: 'declared' });
    const counts = await pullConnection(t.db, connector, connection.id, { full: true, runId: null });
    expect(read).toEqual(['owners', 'pipelines', 'deals', 'leads', 'quotas']);
    expect(counts).toMatchObject({ deals: 12, leads: 7 });

    const reordered = recording(['owners', 'leads', 'pipelines', 'deals']);
    const other = await insertConnection(t.db, { name: 'reordered' });
    await pullConnection(t.db, reordered.connector, other.id, { full: true, runId: null });
    expect(reordered.read).toEqual(['owners', 'leads', 'pipelines', 'deals']);

    const noLeads = recording(['owners', 'pipelines', 'deals']);
    const third = await insertConnection(t.db, { name: 'no-leads' });
    const partial = await pullConnection(t.db, noLeads.connector, third.id, { full: true, runId: null });
    expect(noLeads.read).toEqual(['owners', 'pipelines', 'deals']);
    expect(partial.leads).toBe(0);
  });

  it('refuses a declared stream the connector cannot read', async () => {
    const { connector } = recording(['owners', 'quotas']);
    const connection = await insertConnection(t.db, { name: 'undeclared-quotas' });
    await expect(pullConnection(t.db, connector, connection.id, { full: true, runId: null })).rejects.toThrow(
      /declares quotas but has no quotas\(\)/,
    );
  });
});
