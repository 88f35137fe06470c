import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDeps } from '../../../connectors/connector.js';
import { createHubspotConnector, type HubspotConnector } from '../../../connectors/hubspot/index.js';
import {
  type HubspotSandbox,
  type RequestRecord,
  type SandboxRecord,
  startHubspotSandbox,
} from '../../../sandboxes/hubspot/index.js';
import { parsePeriod } from '../../../src/calendar/periods.js';
import { auditLeads } from '../../../src/metrics/lead-audit.js';
import { assignmentTrail } from '../../../src/metrics/lead-distribution.js';
import { pullConnection } from '../../../src/pull/pull-connection.js';
import { insertConnection } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-db.js';

/**
 * Contact (lead) requests of a HubSpot first sync, counted from the sandbox's request log, and
 * the lead audit it leaves compared with the old way (every new contact's owner history read).
 * 1,010 contacts generated with seed 31 (the live count is taken from the sandbox, less those it
 * starts archived), so the last list page is short. Which contacts need a history read comes
 * from the sandbox's own generated history (`SandboxRecord.history`), never from the connector:
 * a contact needs one when its owner history has more than one entry or its first assignment
 * came after it was created.
 */
const CONTACTS = 1_010;
const PAGE = 100;
/** HubSpot's batch read with history takes 50 ids; the pull stage holds at most 25 pages. */
const HISTORY_BATCH = 50;
const MAX_HELD_PAGES = 25;
const NOW = new Date('2026-06-15T12:00:00.000Z');

function connectorFor(sandbox: HubspotSandbox, leadHistory: 'computed' | 'read'): HubspotConnector {
  const deps: ConnectorDeps = {
    fetch: globalThis.fetch,
    clock: { now: () => new Date(), sleep: async () => {} },
    budget: { acquire: async () => {}, observe: async () => {} },
    tokens: {
      load: async () => ({ method: 'private_app', accessToken: sandbox.accessToken }),
      save: async () => {},
    },
  };
  return createHubspotConnector({ baseUrl: sandbox.baseUrl, deps, leadHistory });
}

const query = (r: RequestRecord) => new URLSearchParams(r.query);
const isContactList = (r: RequestRecord) =>
  r.method === 'GET' && r.path === '/crm/v3/objects/contacts' && query(r).get('archived') !== 'true';
const isContactHistoryRead = (r: RequestRecord) =>
  r.path === '/crm/v3/objects/contacts/batch/read' && r.withHistory;

function needsRead(contact: SandboxRecord): boolean {
  const owners = contact.history['hubspot_owner_id'] ?? [];
  return owners.length > 1 || (owners[0] !== undefined && owners[0].timestamp > contact.createdAt);
}

/**
 * Reads the pull stage makes for pages with these counts of ids to read: held pages are read
 * together while they fit one batch of 50 and number at most 25; a page with none waiting goes
 * straight through.
 */
function expectedReads(needPerPage: readonly number[]): number {
  let reads = 0;
  let held = 0;
  let waiting = 0;
  const flush = () => {
    reads += Math.ceil(waiting / HISTORY_BATCH);
    held = 0;
    waiting = 0;
  };
  for (const need of needPerPage) {
    if (held > 0 && (waiting + need > HISTORY_BATCH || held >= MAX_HELD_PAGES)) flush();
    held++;
    waiting += need;
    if (waiting === 0) flush();
  }
  if (held > 0) flush();
  return reads;
}

function pagesOf<T>(items: readonly T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < items.length; i += size) pages.push(items.slice(i, i + size));
  return pages;
}

describe('HubSpot pull: contact owner history only where it changed', () => {
  let sandbox: HubspotSandbox;
  let database: TestDatabase;
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 31, deals: 20, contacts: CONTACTS, now: NOW });
    database = await createTestDatabase('hs_leads');
  }, 60_000);
  afterAll(async () => {
    await sandbox.close();
    await database.drop();
  });

  it('a first sync lists contacts once and reads the history of reassigned contacts only; the lead audit is the same as reading all', async () => {
    const live = [...sandbox.data.contacts()];
    const need = live.filter(needsRead).length;
    // The generator owns three contacts in four at creation and reassigns ~7% later: both the
    // answered and the read path are exercised, and most contacts need no read.
    expect(need).toBeGreaterThan(live.length / 10);
    expect(need).toBeLessThan(live.length / 2);
    const needPerPage = pagesOf(live, PAGE).map((p) => p.filter(needsRead).length);

    const computed = await insertConnection(database.db, { name: 'computed' });
    sandbox.resetRequests();
    const counts = await pullConnection(database.db, connectorFor(sandbox, 'computed'), computed.id, {
      full: false,
      runId: null,
    });
    expect(counts.leads).toBe(live.length);
    let log = [...sandbox.requests];
    expect(log.filter(isContactList)).toHaveLength(Math.ceil(live.length / PAGE));
    expect(log.filter(isContactHistoryRead)).toHaveLength(expectedReads(needPerPage));
    // Fewer than one read per page: pages wait for a full batch of 50.
    expect(expectedReads(needPerPage)).toBeLessThan(Math.ceil(live.length / PAGE));

    const read = await insertConnection(database.db, { name: 'read-all' });
    sandbox.resetRequests();
    await pullConnection(database.db, connectorFor(sandbox, 'read'), read.id, { full: false, runId: null });
    log = [...sandbox.requests];
    // The old way: every new contact read, two batches of 50 per full page, one for the last.
    const oldReads = pagesOf(live, PAGE).reduce((n, p) => n + Math.ceil(p.length / HISTORY_BATCH), 0);
    expect(log.filter(isContactHistoryRead)).toHaveLength(oldReads);

    const assignments = async (connectionId: number) =>
      (
        await database.db
          .selectFrom('lead_assignments')
          .select(['lead_id', 'owner_id', 'assigned_at', 'source'])
          .where('connection_id', '=', connectionId)
          .orderBy('lead_id')
          .orderBy('assigned_at')
          .orderBy('owner_id')
          .execute()
      ).map((r) => `${r.lead_id} ${r.owner_id} ${r.assigned_at.toISOString()} ${r.source}`);
    const rowsComputed = await assignments(computed.id);
    expect(rowsComputed.length).toBeGreaterThan(live.length);
    expect(rowsComputed).toEqual(await assignments(read.id));

    // The audit over the year up to the sandbox's today, and over the month of the unfair stretch.
    for (const key of ['2026', '2026-01']) {
      const period = parsePeriod(key, { fiscalYearStartMonth: 1, timeZone: computed.timeZone });
      const figures = async (connection: typeof computed) => {
        const audit = await auditLeads(database.db, connection, { period, asOf: NOW });
        const trail = await assignmentTrail(database.db, {
          connectionId: connection.id,
          timeZone: connection.timeZone,
          start: period.start,
          end: period.end,
          asOf: NOW,
        });
        return { audit: audit.audit, leadFlags: audit.leadFlags, offRotation: audit.offRotationFlags, trail };
      };
      const computedFigures = await figures(computed);
      expect(computedFigures.trail.length).toBeGreaterThan(50);
      expect(computedFigures).toEqual(await figures(read));
    }
  }, 180_000);
});
