import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../../../sandboxes/hubspot/index.js';
import { apiError, clientFor, FIXED_NOW, raw } from './sandbox-client.js';

describe('HubSpot sandbox batch and property endpoints through @hubspot/api-client 13.4.0', () => {
  let sandbox: HubspotSandbox;
  let client: Client;
  let ids: string[];

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 11, deals: 400, contacts: 100, now: FIXED_NOW });
    client = clientFor(sandbox);
    ids = [...sandbox.data.deals()].map((d) => d.id);
  });
  afterAll(() => sandbox.close());

  it('creates a property group and property, answering 409 to a duplicate of either', async () => {
    const group = await client.crm.properties.groupsApi.create('deals', {
      name: 'salesops',
      label: 'SalesOps',
    });
    expect(group).toMatchObject({ name: 'salesops', label: 'SalesOps', archived: false });
    const duplicateGroup = await apiError(
      client.crm.properties.groupsApi.create('deals', { name: 'salesops', label: 'x' }),
    );
    expect(duplicateGroup.code).toBe(409);

    const spec = {
      name: 'salesops_win_probability',
      label: 'Win probability (SalesOps)',
      type: 'number',
      fieldType: 'number',
      groupName: 'salesops',
    } as Parameters<Client['crm']['properties']['coreApi']['create']>[1];
    const created = await client.crm.properties.coreApi.create('deals', spec);
    expect(created).toMatchObject({
      name: 'salesops_win_probability',
      hubspotDefined: false,
      groupName: 'salesops',
    });
    const duplicate = await apiError(client.crm.properties.coreApi.create('deals', spec));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body['category']).toBe('OBJECT_ALREADY_EXISTS');

    const all = await client.crm.properties.coreApi.getAll('deals');
    expect(all.results.map((p) => p.name)).toContain('salesops_win_probability');
    const groups = await client.crm.properties.groupsApi.getAll('deals');
    expect(groups.results.map((g) => g.name)).toEqual(['dealinformation', 'salesops']);
    expect(sandbox.requests.filter((r) => r.mutating)).toHaveLength(4);
  });

  it('batch-updates deals, records the written values and bumps the modified date', async () => {
    const inputs = ids
      .slice(0, 100)
      .map((id, k) => ({ id, properties: { salesops_win_probability: String(k / 2) } }));
    const response = await client.crm.deals.batchApi.update({ inputs });
    expect(response.status).toBe('COMPLETE');
    expect(response.results).toHaveLength(100);
    const written = sandbox.data.written('deals');
    expect(written.get(ids[3]!)).toEqual({ salesops_win_probability: '1.5' });
    const after = sandbox.data.get('deals', ids[3]!)!;
    expect(after.properties['salesops_win_probability']).toBe('1.5');
    expect(after.updatedAt).toBe(sandbox.requests.at(-1)!.at);
  });

  it('refuses 101 inputs with a 400', async () => {
    const inputs = ids.slice(0, 101).map((id) => ({ id, properties: { salesops_win_probability: '1' } }));
    expect((await apiError(client.crm.deals.batchApi.update({ inputs }))).code).toBe(400);
    expect(
      (
        await apiError(
          client.crm.deals.batchApi.read({
            inputs: inputs.map(({ id }) => ({ id })),
            properties: [],
            propertiesWithHistory: [],
          }),
        )
      ).code,
    ).toBe(400);
  });

  it('answers 207 with errors[] naming unknown ids, and resolves merged ids to the survivor', async () => {
    const [survivor, merged] = [ids[10]!, ids[11]!];
    sandbox.mergeDeals(survivor, merged);
    const inputs = [
      { id: merged, properties: { salesops_win_probability: '42' } },
      { id: '1', properties: { salesops_win_probability: '1' } },
    ];
    const response = await raw(sandbox, '/crm/v3/objects/deals/batch/update', {
      method: 'POST',
      body: { inputs },
    });
    expect(response.status).toBe(207);
    const body = response.body as {
      results: { id: string }[];
      errors: { category: string; context: { ids: string[] } }[];
      numErrors: number;
    };
    expect(body.results.map((r) => r.id)).toEqual([survivor]);
    expect(body.numErrors).toBe(1);
    expect(body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['1'] } });
    expect(sandbox.data.get('deals', survivor)!.properties['salesops_win_probability']).toBe('42');

    const read = await client.crm.deals.batchApi.read({
      inputs: [{ id: merged }, { id: '1' }],
      properties: ['hs_merged_object_ids'],
      propertiesWithHistory: [],
    });
    expect(read.results.map((r) => r.id)).toEqual([survivor]);
    expect(read.results[0]!.properties['hs_merged_object_ids']).toBe(merged);
    expect('errors' in read && read.errors?.[0]?.context).toEqual({ ids: ['1'] });
  });

  it('rejects the whole batch when a property does not exist or is read-only', async () => {
    sandbox.deleteProperty('deals', 'salesops_win_probability');
    const before = sandbox.data.get('deals', ids[20]!)!.properties['amount'];
    const response = await raw(sandbox, '/crm/v3/objects/deals/batch/update', {
      method: 'POST',
      body: {
        inputs: [
          { id: ids[20], properties: { amount: '1' } },
          { id: ids[21], properties: { salesops_win_probability: '3', hs_object_id: '5' } },
        ],
      },
    });
    expect(response.status).toBe(400);
    const body = response.body as { category: string; message: string };
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.message).toMatch(/^Property values were not valid: \[/);
    const problems = JSON.parse(body.message.slice('Property values were not valid: '.length)) as {
      error: string;
      name: string;
    }[];
    expect(problems.map((p) => [p.name, p.error])).toEqual([
      ['salesops_win_probability', 'PROPERTY_DOESNT_EXIST'],
      ['hs_object_id', 'READ_ONLY_VALUE'],
    ]);
    expect(sandbox.data.get('deals', ids[20]!)!.properties['amount']).toBe(before);
  });

  it('refuses duplicate ids in one batch update', async () => {
    const inputs = [ids[30]!, ids[30]!].map((id) => ({ id, properties: { amount: '5' } }));
    const error = await apiError(client.crm.deals.batchApi.update({ inputs }));
    expect(error.code).toBe(400);
    expect(error.body['message']).toContain('Duplicate IDs');
  });

  it('lists and batch-updates users-object records', async () => {
    await client.crm.properties.coreApi.create('users', {
      name: 'salesops_quota_attainment',
      label: 'Quota attainment',
      type: 'number',
      fieldType: 'number',
      groupName: 'userinformation',
    } as Parameters<Client['crm']['properties']['coreApi']['create']>[1]);
    const users = await client.crm.objects.basicApi.getPage('users', 100, undefined, ['hs_internal_user_id']);
    const inputs = users.results.map((u) => ({
      id: u.id,
      properties: { salesops_quota_attainment: '85.3' },
    }));
    const response = await client.crm.objects.batchApi.update('users', { inputs });
    expect(response.results).toHaveLength(users.results.length);
    expect(
      [...sandbox.data.written('users').values()].every((v) => v['salesops_quota_attainment'] === '85.3'),
    ).toBe(true);
  });

  it('moves contacts between owners with a history entry and a new assignment date', async () => {
    const contact = [...sandbox.data.contacts()][0]!;
    const to = sandbox.data.owners.find(
      (o) => o.receivesLeads && o.archivedAt === null && o.id !== contact.properties['hubspot_owner_id'],
    )!;
    const at = Date.parse('2026-06-10T10:00:00Z');
    sandbox.reassignContact(contact.id, to.id, at);
    const read = await client.crm.contacts.basicApi.getById(
      contact.id,
      ['hubspot_owner_assigneddate'],
      ['hubspot_owner_id'],
    );
    expect(read.properties['hubspot_owner_assigneddate']).toBe(new Date(at).toISOString());
    expect(read.propertiesWithHistory!['hubspot_owner_id']![0]).toMatchObject({
      value: to.id,
      timestamp: new Date(at),
    });
    expect(read.updatedAt.getTime()).toBe(at);
  });
});
