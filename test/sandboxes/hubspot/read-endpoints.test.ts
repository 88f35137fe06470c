import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../../../sandboxes/hubspot/index.js';
import { clientFor, FIXED_NOW, raw } from './sandbox-client.js';

// 2,000 deals: 20 full pages of 100, enough to prove paging reaches the end without a cap.
const DEALS = 2_000;

describe('HubSpot sandbox read endpoints through @hubspot/api-client 13.4.0', () => {
  let sandbox: HubspotSandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 7, deals: DEALS, contacts: 500, now: FIXED_NOW });
    client = clientFor(sandbox);
  });
  afterAll(() => sandbox.close());

  it('serves account details with the portal id, time zone and currency', async () => {
    const response = await client.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      portalId: sandbox.data.account.portalId,
      timeZone: 'America/New_York',
      companyCurrency: 'USD',
      accountType: 'STANDARD',
      utcOffset: '-04:00', // mid-June is daylight time in New York
      utcOffsetMilliseconds: -4 * 3_600_000,
    });
  });

  it('lists active owners with and without the trailing slash, paging by an opaque cursor', async () => {
    const active = sandbox.data.owners.filter((o) => o.archivedAt === null);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.owners.ownersApi.getPage(undefined, after, 5, false);
      seen.push(...page.results.map((o) => o.id));
      expect(page.results.every((o) => o.archived === false && typeof o.userId === 'number')).toBe(true);
      after = page.paging?.next?.after;
      if (after) expect(after).not.toMatch(/^\d+$/);
    } while (after);
    expect(seen.sort()).toEqual(active.map((o) => o.id).sort());

    const noSlash = await raw(sandbox, '/crm/v3/owners?limit=500');
    const withSlash = await raw(sandbox, '/crm/v3/owners/?limit=500');
    expect(noSlash.status).toBe(200);
    expect(noSlash.body).toEqual(withSlash.body);
  });

  it('lists only archived owners with archived=true, keeping userIdIncludingInactive', async () => {
    const page = await client.crm.owners.ownersApi.getPage(undefined, undefined, 100, true);
    const archived = sandbox.data.owners.filter((o) => o.archivedAt !== null);
    expect(archived.length).toBeGreaterThanOrEqual(3);
    expect(page.results.map((o) => o.id).sort()).toEqual(archived.map((o) => o.id).sort());
    for (const owner of page.results) {
      expect(owner.archived).toBe(true);
      expect(owner.userId).toBeUndefined();
      expect(typeof owner.userIdIncludingInactive).toBe('number');
    }
  });

  it('has teams of different sizes and one owner in two teams', () => {
    const sizes = new Map<string, number>();
    for (const owner of sandbox.data.owners) {
      for (const team of owner.teams) sizes.set(team.name, (sizes.get(team.name) ?? 0) + 1);
    }
    expect(new Set(sizes.values()).size).toBeGreaterThanOrEqual(3);
    expect(
      sandbox.data.owners.some((o) => o.teams.length === 2 && o.teams.filter((t) => t.primary).length === 1),
    ).toBe(true);
  });

  it('serves deal pipelines with string probability and isClosed metadata', async () => {
    const pipelines = await client.crm.pipelines.pipelinesApi.getAll('deals');
    expect(pipelines.results.map((p) => p.id)).toEqual(['default', '13402751']);
    const won = pipelines.results[0]!.stages.find((s) => s.id === 'closedwon')!;
    expect(won.metadata).toEqual({ isClosed: 'true', probability: '1.0' });
    const first = pipelines.results[0]!.stages[0]!;
    expect(first.metadata).toEqual({ isClosed: 'false', probability: '0.2' });
  });

  it('pages through every live deal to the end; the last page has no paging', async () => {
    const live = [...sandbox.data.deals()].length;
    const ids = new Set<string>();
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await client.crm.deals.basicApi.getPage(100, after, ['dealstage', 'amount']);
      pages++;
      for (const deal of page.results) ids.add(deal.id);
      expect(page.results.every((d) => d.archived === false)).toBe(true);
      after = page.paging?.next?.after;
      if (!after) break;
      expect(page.results).toHaveLength(100);
    }
    expect(ids.size).toBe(live);
    expect(live).toBeLessThan(DEALS); // about 1% sit in the recycle bin
    expect(pages).toBe(Math.ceil(live / 100));
  });

  it('caps list pages at 100 and at 50 when history is requested', async () => {
    const plain = await raw(sandbox, '/crm/v3/objects/deals?limit=250');
    expect((plain.body as { results: unknown[] }).results).toHaveLength(100);
    const history = await client.crm.deals.basicApi.getPage(
      100,
      undefined,
      ['dealstage'],
      ['dealstage', 'hubspot_owner_id'],
    );
    expect(history.results).toHaveLength(50);
    const deal = history.results[0]!;
    const stages = deal.propertiesWithHistory!['dealstage']!;
    expect(stages[0]!.value).toBe(deal.properties['dealstage']);
    const times = stages.map((s) => s.timestamp.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times); // newest first
    expect(deal.propertiesWithHistory!['hubspot_owner_id']!.length).toBeGreaterThanOrEqual(1);
  });

  it('accepts properties comma-joined or repeated, returning null for empty values', async () => {
    const repeated = await raw(
      sandbox,
      '/crm/v3/objects/deals?limit=3&properties=amount&properties=days_to_close&properties=nope',
    );
    const joined = await raw(sandbox, '/crm/v3/objects/deals?limit=3&properties=amount,days_to_close,nope');
    // Same records and properties; only the echoed query in paging.next.link differs.
    expect((repeated.body as { results: unknown }).results).toEqual(
      (joined.body as { results: unknown }).results,
    );
    const first = (repeated.body as { results: { properties: Record<string, string | null> }[] }).results[0]!;
    expect(Object.keys(first.properties).sort()).toEqual(
      ['amount', 'createdate', 'days_to_close', 'hs_lastmodifieddate', 'hs_object_id'].sort(),
    );
    expect(first.properties).not.toHaveProperty('nope');
  });

  it('lists only archived deals with archived=true', async () => {
    const expected = [...sandbox.data.deals({ archived: true })].map((d) => d.id);
    expect(expected.length).toBeGreaterThan(5);
    const page = await client.crm.deals.basicApi.getPage(
      100,
      undefined,
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(page.results.map((d) => d.id)).toEqual(expected);
    expect(page.results.every((d) => d.archived === true && d.archivedAt instanceof Date)).toBe(true);
  });

  it('serves contacts with owner, assignment date, score and source', async () => {
    const page = await client.crm.contacts.basicApi.getPage(100, undefined, [
      'hubspot_owner_id',
      'hubspot_owner_assigneddate',
      'hubspotscore',
      'hs_analytics_source',
    ]);
    expect(page.results).toHaveLength(100);
    const assigned = page.results.filter((c) => c.properties['hubspot_owner_id']);
    expect(assigned.length).toBeGreaterThan(90);
    for (const contact of assigned) {
      expect(Number.isNaN(Date.parse(contact.properties['hubspot_owner_assigneddate']!))).toBe(false);
      expect(Number(contact.properties['hubspotscore'])).toBeGreaterThanOrEqual(0);
      expect(contact.properties['hs_analytics_source']).toMatch(/^[A-Z_]+$/);
    }
  });

  it('links users-object records to owners by hs_internal_user_id, not by record id', async () => {
    const page = await client.crm.objects.basicApi.getPage('users', 100, undefined, [
      'hs_internal_user_id',
      'hs_email',
    ]);
    const active = sandbox.data.owners.filter((o) => o.archivedAt === null);
    expect(page.results).toHaveLength(active.length);
    for (const owner of active) {
      const user = page.results.find((u) => u.properties['hs_internal_user_id'] === String(owner.userId));
      expect(user?.properties['hs_email']).toBe(owner.email);
      expect(user?.id).not.toBe(String(owner.userId));
    }
  });

  it('serves monthly and quarterly goal_targets assigned to user ids', async () => {
    const goals: Record<string, string | null>[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.objects.goals.basicApi.getPage(100, after, [
        'hs_target_amount',
        'hs_start_datetime',
        'hs_end_datetime',
        'hs_assignee_user_id',
      ]);
      goals.push(...page.results.map((g) => g.properties));
      after = page.paging?.next?.after;
    } while (after);
    expect(goals).toHaveLength(sandbox.data.goals.length);
    const days = goals.map(
      (g) => (Date.parse(g['hs_end_datetime']!) - Date.parse(g['hs_start_datetime']!)) / 86_400_000,
    );
    expect(days.some((d) => d > 27 && d < 32)).toBe(true);
    expect(days.some((d) => d > 88 && d < 93)).toBe(true);
    const userIds = new Set(sandbox.data.owners.map((o) => String(o.userId)));
    expect(goals.every((g) => userIds.has(g['hs_assignee_user_id']!))).toBe(true);
  });

  it('answers a merged-away id with the survivor on a single read', async () => {
    const [a, b] = [...sandbox.data.deals()].slice(0, 2);
    sandbox.mergeDeals(a!.id, b!.id);
    const read = await client.crm.deals.basicApi.getById(b!.id, ['hs_merged_object_ids']);
    expect(read.id).toBe(a!.id);
    expect(read.properties['hs_merged_object_ids']).toBe(b!.id);
  });
});
