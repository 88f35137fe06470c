import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../../../sandboxes/hubspot/index.js';
import { checkShape } from './model-shape.js';
import { FIXED_NOW, raw } from './sandbox-client.js';

/**
 * Optional model fields HubSpot itself leaves out of these responses, and why. Anything else
 * the models define must be on the wire with the model's type.
 */
const MAY_BE_ABSENT = new Set([
  'CollectionResponsePublicOwnerForwardPaging.paging', // last page
  'PublicOwner.userId', // deactivated owners keep only userIdIncludingInactive
  'Pipeline.archivedAt', // only on archived pipelines
  'PipelineStage.archivedAt',
  'CollectionResponseSimplePublicObjectWithAssociationsForwardPaging.paging', // last page
  'SimplePublicObjectWithAssociations.propertiesWithHistory', // only when history is requested
  'SimplePublicObjectWithAssociations.associations', // only when associations are requested
  'SimplePublicObjectWithAssociations.archivedAt', // only on archived records
  'SimplePublicObjectWithAssociations.objectWriteTraceId', // only echoed on writes that send one
  'SimplePublicObject.archivedAt',
  'SimplePublicObject.objectWriteTraceId',
  'SimplePublicObject.propertiesWithHistory', // search and batch update never return history
  'BatchResponseSimplePublicObject.requestedAt', // HubSpot sends startedAt/completedAt only
  'BatchResponseSimplePublicObject.links',
  'BatchResponseSimplePublicObjectWithErrors.requestedAt',
  'BatchResponseSimplePublicObjectWithErrors.links',
  'StandardError.subCategory',
  'StandardError.id',
  'NextPage.link', // search paging carries only `after`
  'ModelError.subCategory', // error bodies carry status, message, correlationId, category
  'ModelError.context',
  'ModelError.links',
  'ModelError.errors',
  'Property.createdUserId', // HubSpot-defined properties have no creating user
  'Property.updatedUserId',
  'Property.archivedAt',
  'Property.referencedObjectType',
  'Property.calculationFormula',
  'TokenResponseIF.idToken', // only for OpenID scopes
  'ValueWithTimestamp.sourceId', // set only when an integration or workflow made the change
  'ValueWithTimestamp.sourceLabel',
  'ValueWithTimestamp.updatedByUserId', // set only when a user made the change
]);

describe('HubSpot sandbox responses match @hubspot/api-client 13.4.0 models', () => {
  let sandbox: HubspotSandbox;

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 5, deals: 300, contacts: 50, now: FIXED_NOW });
  });
  afterAll(() => sandbox.close());

  const expectShape = (family: string, model: string, body: unknown): void => {
    const report = checkShape(family, model, body);
    expect(report.problems).toEqual([]);
    expect([...report.absentOptional].filter((f) => !MAY_BE_ABSENT.has(f))).toEqual([]);
  };

  it('owners, active and archived', async () => {
    expectShape(
      'crm/owners',
      'CollectionResponsePublicOwnerForwardPaging',
      (await raw(sandbox, '/crm/v3/owners/?limit=3')).body,
    );
    expectShape(
      'crm/owners',
      'CollectionResponsePublicOwnerForwardPaging',
      (await raw(sandbox, '/crm/v3/owners/?archived=true')).body,
    );
  });

  it('pipelines', async () => {
    expectShape(
      'crm/pipelines',
      'CollectionResponsePipelineNoPaging',
      (await raw(sandbox, '/crm/v3/pipelines/deals')).body,
    );
  });

  it('object lists with history, archived lists, and single reads', async () => {
    const family = 'crm/deals';
    const list = 'CollectionResponseSimplePublicObjectWithAssociationsForwardPaging';
    const withHistory = await raw(
      sandbox,
      '/crm/v3/objects/deals?limit=5&properties=amount&propertiesWithHistory=dealstage,hubspot_owner_id',
    );
    expectShape(family, list, withHistory.body);
    expectShape(family, list, (await raw(sandbox, '/crm/v3/objects/deals?archived=true&limit=100')).body);
    expectShape(
      'crm/contacts',
      list,
      (await raw(sandbox, '/crm/v3/objects/contacts?limit=5&propertiesWithHistory=hubspot_owner_id')).body,
    );
    expectShape('crm/objects', list, (await raw(sandbox, '/crm/v3/objects/users?limit=100')).body);
    expectShape(
      'crm/objects/goals',
      list,
      (await raw(sandbox, '/crm/v3/objects/goal_targets?limit=100')).body,
    );
    const id = [...sandbox.data.deals()][0]!.id;
    expectShape(
      family,
      'SimplePublicObjectWithAssociations',
      (await raw(sandbox, `/crm/v3/objects/deals/${id}`)).body,
    );
  });

  it('search', async () => {
    const body = (await raw(sandbox, '/crm/v3/objects/deals/search', { method: 'POST', body: { limit: 5 } }))
      .body;
    expectShape('crm/deals', 'CollectionResponseWithTotalSimplePublicObjectForwardPaging', body);
  });

  it('batch read (200), batch update with an unknown id (207), and error bodies', async () => {
    const ids = [...sandbox.data.deals()].slice(0, 3).map((d) => ({ id: d.id }));
    const read = await raw(sandbox, '/crm/v3/objects/deals/batch/read', {
      method: 'POST',
      body: { inputs: ids, properties: ['amount'] },
    });
    expect(read.status).toBe(200);
    expectShape('crm/deals', 'BatchResponseSimplePublicObject', read.body);
    const update = await raw(sandbox, '/crm/v3/objects/deals/batch/update', {
      method: 'POST',
      body: { inputs: [...ids, { id: '12' }].map(({ id }) => ({ id, properties: { amount: '10' } })) },
    });
    expect(update.status).toBe(207);
    expectShape('crm/deals', 'BatchResponseSimplePublicObjectWithErrors', update.body);
    expectShape(
      'crm/deals',
      'ModelError',
      (await raw(sandbox, '/crm/v3/objects/deals/search', { method: 'POST', body: { limit: 500 } })).body,
    );
    expectShape(
      'crm/deals',
      'ModelError',
      (await raw(sandbox, '/crm/v3/objects/deals', { token: null })).body,
    );
  });

  it('properties, property groups and a created property', async () => {
    expectShape(
      'crm/properties',
      'CollectionResponsePropertyNoPaging',
      (await raw(sandbox, '/crm/v3/properties/deals')).body,
    );
    expectShape(
      'crm/properties',
      'CollectionResponsePropertyGroupNoPaging',
      (await raw(sandbox, '/crm/v3/properties/contacts/groups')).body,
    );
    const created = await raw(sandbox, '/crm/v3/properties/deals', {
      method: 'POST',
      body: {
        name: 'salesops_x',
        label: 'X',
        type: 'string',
        fieldType: 'text',
        groupName: 'dealinformation',
      },
    });
    expect(created.status).toBe(201);
    expectShape('crm/properties', 'Property', created.body);
  });

  it('OAuth token response', async () => {
    const { clientId, clientSecret, refreshToken } = sandbox.oauth;
    const response = await fetch(`${sandbox.baseUrl}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: clientId,
        client_secret: clientSecret,
        refresh_token: refreshToken,
      }),
    });
    expectShape('oauth', 'TokenResponseIF', await response.json());
  });
});
