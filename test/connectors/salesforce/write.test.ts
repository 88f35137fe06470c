import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSalesforceConnector } from '../../../connectors/salesforce/index.js';
import { customFieldName } from '../../../connectors/salesforce/write.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../../sandboxes/salesforce/index.js';
import { ORG_NOW } from './harness.js';

/** write(): one composite PATCH per call, per-record results matched by position. */
describe('Salesforce write()', () => {
  let sandbox: SalesforceSandbox;
  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ deals: 50, now: ORG_NOW });
  });
  afterAll(() => sandbox.close());

  const connector = () =>
    createSalesforceConnector({
      instanceUrl: sandbox.instanceUrl,
      apiVersion: '62.0',
      deps: {
        fetch: globalThis.fetch,
        clock: { now: () => new Date(), sleep: async () => {} },
        budget: { acquire: async () => {}, observe: async () => {} },
        tokens: {
          load: async () => ({ method: 'access_token', accessToken: sandbox.accessToken }),
          save: async () => {},
        },
      },
    });

  it('names neutral fields the Salesforce way', () => {
    expect(customFieldName('salesops_quota_attainment')).toBe('SalesOps_Quota_Attainment__c');
    expect(customFieldName('salesops_win_probability')).toBe('SalesOps_Win_Probability__c');
  });

  it('one call for a batch; a bad record fails alone with its statusCode; a missing field is field_missing', async () => {
    const deals = sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    const [a, b] = [String(deals[0]!['Id']), String(deals[1]!['Id'])];
    sandbox.resetRequests();
    const results = await connector().write('deal', [
      { recordId: a, values: { salesops_win_probability: 42.5 } },
      { recordId: '006000000000000AAA', values: { salesops_win_probability: 10 } },
      { recordId: b, values: { salesops_win_probability: 7 } },
    ]);
    const writes = sandbox.requests.filter((r) => r.mutating);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.path).toMatch(/\/composite\/sobjects$/);
    expect(results.map((r) => r.recordId)).toEqual([a, '006000000000000AAA', b]);
    // The sandbox has no SalesOps fields until ensureFields creates them: every record says so.
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(results[0]).toMatchObject({ code: 'field_missing', field: 'salesops_win_probability' });
  });

  it('after the field exists: the good records are written, the bad one fails alone by position', async () => {
    const created = await fetch(`${sandbox.instanceUrl}/services/data/v62.0/tooling/sobjects/CustomField`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        FullName: 'Opportunity.SalesOps_Win_Probability__c',
        Metadata: { label: 'Win probability', type: 'Percent', precision: 5, scale: 1 },
      }),
    });
    expect(created.status).toBe(201);
    const deals = sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    const [a, b] = [String(deals[3]!['Id']), String(deals[4]!['Id'])];
    const results = await connector().write('deal', [
      { recordId: a, values: { salesops_win_probability: 42.5 } },
      { recordId: '006000000000000AAA', values: { salesops_win_probability: 10 } },
      { recordId: b, values: { salesops_win_probability: null } },
    ]);
    expect(results.map((r) => [r.recordId, r.ok])).toEqual([
      [a, true],
      ['006000000000000AAA', false],
      [b, true],
    ]);
    expect(results[1]?.reason).toMatch(/^[A-Z_]+/);
    expect(sandbox.data.get('Opportunity', a)?.['SalesOps_Win_Probability__c']).toBe(42.5);
  });
});
