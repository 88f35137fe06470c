import type { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/deals/models/Filter.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../../../sandboxes/hubspot/index.js';
import { apiError, clientFor, FIXED_NOW, raw } from './sandbox-client.js';

// 10,001 deals is the smallest portal in which one query can match past the 10,000-result cap.
const DEALS = 10_200; // ~1% are archived, and the bulk edit touches exactly 10,001 live deals
const MATCHING = 10_001;

describe('HubSpot sandbox search through @hubspot/api-client 13.4.0', () => {
  let sandbox: HubspotSandbox;
  let client: Client;
  const live = (predicate: (p: Record<string, string | null>) => boolean): string[] =>
    [...sandbox.data.deals()].filter((d) => predicate(d.properties)).map((d) => d.id);

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 3, deals: DEALS, contacts: 200, now: FIXED_NOW });
    client = clientFor(sandbox);
  });
  afterAll(() => sandbox.close());

  it('evaluates EQ, IN, BETWEEN, GT/LTE, NEQ and HAS_PROPERTY as HubSpot does', async () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2026-02-01T00:00:00Z');
    const response = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'dealstage', operator: FilterOperatorEnum.In, values: ['closedwon', '13402754'] },
            {
              propertyName: 'closedate',
              operator: FilterOperatorEnum.Between,
              value: String(from),
              highValue: String(to),
            },
            { propertyName: 'amount', operator: FilterOperatorEnum.Gt, value: '10000' },
            { propertyName: 'days_to_close', operator: FilterOperatorEnum.HasProperty },
          ],
        },
      ],
      limit: 200,
      properties: ['amount'],
    });
    const expected = live((p) => {
      const close = Date.parse(p['closedate']!);
      return (
        ['closedwon', '13402754'].includes(p['dealstage']!) &&
        close >= from &&
        close <= to &&
        Number(p['amount']) > 10_000
      );
    });
    expect(expected.length).toBeGreaterThan(5);
    expect(response.total).toBe(expected.length);
    expect(response.results.map((d) => d.id)).toEqual(expected.slice(0, 200));
    expect(response.results[0]!.properties).toHaveProperty('hs_object_id');

    // OR of two groups; NEQ; ISO values accepted for dates as well as epoch milliseconds.
    const or = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'dealstage', operator: FilterOperatorEnum.Eq, value: 'CLOSEDLOST' }] },
        {
          filters: [
            { propertyName: 'pipeline', operator: FilterOperatorEnum.Neq, value: 'default' },
            { propertyName: 'createdate', operator: FilterOperatorEnum.Lte, value: '2025-09-01T00:00:00Z' },
          ],
        },
      ],
      limit: 1,
    });
    const cutoff = Date.parse('2025-09-01T00:00:00Z');
    const orExpected = live(
      (p) =>
        p['dealstage'] === 'closedlost' ||
        (p['pipeline'] !== 'default' && Date.parse(p['createdate']!) <= cutoff),
    );
    expect(or.total).toBe(orExpected.length);
  });

  it('sorts by one property and pages by offset, without rate-limit headers', async () => {
    const response = await raw(sandbox, '/crm/v3/objects/deals/search', {
      method: 'POST',
      body: {
        sorts: [{ propertyName: 'amount', direction: 'DESCENDING' }],
        limit: 5,
        after: '5',
        properties: ['amount'],
      },
    });
    expect(response.status).toBe(200);
    const body = response.body as {
      total: number;
      results: { properties: { amount: string } }[];
      paging: unknown;
    };
    const amounts = [...sandbox.data.deals()]
      .map((d) => Number(d.properties['amount']))
      .sort((a, b) => b - a);
    expect(body.results.map((r) => Number(r.properties.amount))).toEqual(amounts.slice(5, 10));
    expect(body.paging).toEqual({ next: { after: '10' } });
    expect([...response.headers.keys()].filter((h) => h.startsWith('x-hubspot-ratelimit'))).toEqual([]);
  });

  it('rejects limit above 200 and never returns archived deals', async () => {
    const tooMany = await apiError(client.crm.deals.searchApi.doSearch({ limit: 201 }));
    expect(tooMany.code).toBe(400);
    const archived = [...sandbox.data.deals({ archived: true })].map((d) => d.id);
    const response = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.In, values: archived }] },
      ],
    });
    expect(archived.length).toBeGreaterThan(0);
    expect(response.total).toBe(0);
  });

  it('answers 400 at after=10000 when 10,001 records match a bulk edit timestamp', async () => {
    const at = Date.parse('2026-06-14T09:00:00Z');
    sandbox.bulkEditDeals(MATCHING, at);
    const request = {
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_lastmodifieddate', operator: FilterOperatorEnum.Eq, value: String(at) },
          ],
        },
      ],
      sorts: ['hs_object_id'],
      limit: 200,
      properties: ['hs_lastmodifieddate'],
    };
    const matching = [...sandbox.data.deals()].filter((d) => d.updatedAt === at).length;
    expect(matching).toBe(10_001);
    let after: string | undefined;
    const ids: string[] = [];
    for (;;) {
      const page = await client.crm.deals.searchApi.doSearch({ ...request, after });
      expect(page.total).toBe(matching);
      ids.push(...page.results.map((d) => d.id));
      after = page.paging?.next?.after;
      if (after === '10000') break;
      expect(after).toBeDefined();
    }
    expect(ids).toHaveLength(10_000);
    expect([...ids].sort()).toEqual(ids); // hs_object_id order, so a connector can restart with GT last id
    const capped = await raw(sandbox, '/crm/v3/objects/deals/search', {
      method: 'POST',
      body: { ...request, after },
    });
    expect(capped.status).toBe(400);
    expect(capped.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(typeof (capped.body as { correlationId: unknown }).correlationId).toBe('string');

    const rest = await client.crm.deals.searchApi.doSearch({
      ...request,
      filterGroups: [
        {
          filters: [
            ...request.filterGroups[0]!.filters,
            { propertyName: 'hs_object_id', operator: FilterOperatorEnum.Gt, value: ids[ids.length - 1]! },
          ],
        },
      ],
    });
    expect(rest.total).toBe(matching - 10_000);
  });
});
