import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDeps } from '../../../connectors/connector.js';
import { createHubspotConnector } from '../../../connectors/hubspot/index.js';
import { historyFromProperties } from '../../../connectors/hubspot/map.js';
import type { ObjectWire } from '../../../connectors/hubspot/schemas.js';

/**
 * Stage paths through a, b, c and won with hand-written times (minutes after creation at 10:00), as HubSpot's
 * calculated properties would show them: "date entered"/"date exited" keep the latest visit.
 */
const STAGES = new Map([
  ['a', { isClosed: false }],
  ['b', { isClosed: false }],
  ['c', { isClosed: false }],
  ['won', { isClosed: true }],
]);
const t = (minutes: number) => new Date(Date.UTC(2026, 3, 1, 10, minutes)).toISOString();

function wire(props: Record<string, string | null>): ObjectWire {
  return {
    id: '7',
    properties: {
      createdate: t(0),
      hubspot_owner_id: '11',
      hubspot_owner_assigneddate: t(0),
      ...props,
    },
  };
}
const visit = (stage: string, entered: number, exited: number | null) => ({
  [`hs_v2_date_entered_${stage}`]: t(entered),
  [`hs_v2_date_exited_${stage}`]: exited === null ? null : t(exited),
});

describe('historyFromProperties', () => {
  it('a single pass a(0–5) → b(5–9) → won(9): three stage entries and the one owner', () => {
    const result = historyFromProperties(
      wire({ dealstage: 'won', ...visit('a', 0, 5), ...visit('b', 5, 9), ...visit('won', 9, null) }),
      STAGES,
    );
    expect(result).toEqual({
      ok: true,
      changes: [
        { dealId: '7', field: 'stage', value: 'a', changedAt: t(0) },
        { dealId: '7', field: 'stage', value: 'b', changedAt: t(5) },
        { dealId: '7', field: 'stage', value: 'won', changedAt: t(9) },
        { dealId: '7', field: 'owner', value: '11', changedAt: t(0) },
      ],
    });
  });

  it.each([
    // a(0–2) → b(2–4) → a(4–6) → b(6): a shows 4–6, b shows 6 with an exit at 4.
    ['the current stage re-entered', 'b', { ...visit('a', 4, 6), ...visit('b', 6, 4) }],
    // a(0–2) → b(2–4) → a(4–6) → won(6): a's first visit is lost, nothing starts at creation.
    [
      'the first stage re-entered',
      'won',
      { ...visit('a', 4, 6), ...visit('b', 2, 4), ...visit('won', 6, null) },
    ],
    // a(0–2) → b(2–4) → c(4–6) → b(6–8) → won(8): b shows 6–8, so a's exit at 2 meets no entry.
    [
      'a middle stage re-entered',
      'won',
      { ...visit('a', 0, 2), ...visit('c', 4, 6), ...visit('b', 6, 8), ...visit('won', 8, null) },
    ],
    // The current stage is one the pipelines do not list (archived stage).
    ['a stage outside the pipelines', 'gone', { ...visit('a', 0, 5) }],
  ])('%s: the history must be read', (_, stage, props) => {
    expect(historyFromProperties(wire({ dealstage: stage, ...props }), STAGES)).toEqual({
      ok: false,
      need: 'stage',
    });
  });

  const won = { dealstage: 'won', ...visit('a', 0, 5), ...visit('won', 5, null) };
  it('reassigned before it was won (at 3, won at 5): the current owner at 3 is enough', () => {
    const result = historyFromProperties(wire({ ...won, hubspot_owner_assigneddate: t(3) }), STAGES);
    expect(result.ok && result.changes.at(-1)).toEqual({
      dealId: '7',
      field: 'owner',
      value: '11',
      changedAt: t(3),
    });
  });

  it('reassigned at the closing minute (5): still the closing owner', () => {
    expect(historyFromProperties(wire({ ...won, hubspot_owner_assigneddate: t(5) }), STAGES).ok).toBe(true);
  });

  it('reassigned after it was won (at 8): only the history knows who closed it', () => {
    expect(historyFromProperties(wire({ ...won, hubspot_owner_assigneddate: t(8) }), STAGES)).toEqual({
      ok: false,
      need: 'owner',
    });
  });

  it('an open deal reassigned (b since 5, assigned at 8) needs no read; an owner removed does', () => {
    const open = { dealstage: 'b', ...visit('a', 0, 5), ...visit('b', 5, null) };
    expect(historyFromProperties(wire({ ...open, hubspot_owner_assigneddate: t(8) }), STAGES).ok).toBe(true);
    expect(
      historyFromProperties(
        wire({ ...open, hubspot_owner_id: null, hubspot_owner_assigneddate: t(8) }),
        STAGES,
      ),
    ).toEqual({ ok: false, need: 'owner' });
  });
});

describe('a deal list page whose calculated properties do not fit a GET', () => {
  const BASE = 'https://api.hubspot.test';
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('is read through search, the properties in the POST body (300 stages ≈ 600 × 30 characters)', async () => {
    const stages = Array.from({ length: 300 }, (_, k) => ({
      id: String(100_000_000 + k),
      label: `Stage ${k}`,
      displayOrder: k,
      metadata: { probability: '0.5', isClosed: 'false' },
    }));
    nock(BASE)
      .get('/account-info/v3/details')
      .reply(200, { portalId: 1, timeZone: 'UTC', companyCurrency: 'USD', additionalCurrencies: [] });
    nock(BASE)
      .get('/crm/v3/pipelines/deals')
      .reply(200, { results: [{ id: 'p', label: 'P', displayOrder: 0, stages }] });
    let searched: { properties?: string[]; filterGroups?: unknown } | null = null;
    nock(BASE)
      .post('/crm/v3/objects/deals/search', (body) => {
        searched = body as typeof searched;
        return true;
      })
      .reply(200, { total: 0, results: [] });
    nock(BASE).get('/crm/v3/objects/deals').query(true).reply(200, { results: [] });
    const deps: ConnectorDeps = {
      fetch: globalThis.fetch,
      budget: { acquire: async () => {}, observe: async () => {} },
      tokens: { load: async () => ({ method: 'private_app', accessToken: 'pat' }), save: async () => {} },
      clock: { now: () => new Date('2026-05-01T12:00:00Z'), sleep: async () => {} },
    };
    const connector = createHubspotConnector({ baseUrl: BASE, deps });
    const pages = [];
    for await (const page of connector.deals(null)) pages.push(page);
    expect(searched).not.toBeNull();
    const properties = (searched as unknown as { properties: string[] }).properties;
    expect(properties).toContain('hs_v2_date_entered_100000299');
    expect(properties.length).toBeGreaterThan(600);
    expect(nock.isDone()).toBe(true);
    // The search window of a first sync starts at the epoch; the archived list follows.
    expect(pages.at(-1)?.checkpoint).toMatchObject({ phase: 'idle' });
  });
});
