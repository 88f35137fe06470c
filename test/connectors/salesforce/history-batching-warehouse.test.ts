import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/app/run-sync.js';
import { createSalesforceHarness, type SalesforceHarness } from './harness.js';

/**
 * The warehouse a full sync lands does not depend on how history reads are batched. One org
 * (2,001 opportunities, 3,001 leads: past one 2,000-record page each) synced into three
 * connections: Composite calls (API 62.0, the default); GET queries at the URI limit (API 37.0,
 * which has no Composite: 3 queries per history object for a page of 2,000 ids); and GET queries
 * with the URI narrowed to 11,816 bytes, where an OpportunityHistory query holds 500 ids as the
 * old fixed batching did (191 + 22 × 500 − 1 = 11,190 bytes of URI, plus the 114-character
 * token and the 512-byte allowance) and a field-history query 495.
 */
const DEALS = 2_001;
const LEADS = 3_001;

describe('Salesforce history batching: same warehouse', () => {
  let h: SalesforceHarness;
  beforeAll(async () => {
    h = await createSalesforceHarness('sf_batching', { seed: 13, deals: DEALS, leads: LEADS });
  });
  afterAll(() => h.close());

  const history = (connectionId: number) =>
    h.db
      .selectFrom('deal_history')
      .select(['deal_id', 'field', 'changed_at', 'value', 'source'])
      .where('connection_id', '=', connectionId)
      .orderBy(['deal_id', 'field', 'changed_at', 'value'])
      .execute();
  const assignments = (connectionId: number) =>
    h.db
      .selectFrom('lead_assignments')
      .select(['lead_id', 'owner_id', 'assigned_at', 'source'])
      .where('connection_id', '=', connectionId)
      .orderBy(['lead_id', 'assigned_at', 'owner_id'])
      .execute();
  const queries = (object: string) =>
    h.sandbox.requests.filter((r) =>
      new RegExp(`FROM ${object} `).test(new URL(r.path, 'http://x').searchParams.get('q') ?? ''),
    ).length;

  it('Composite, URI-limit batches and 500-id batches land the same deal history and lead assignments', async () => {
    const viaComposite = await h.addConnection('composite');
    h.sandbox.resetRequests();
    const c = await runSync(h.customEnv(), viaComposite, { push: false });
    expect(c.error).toBeNull();
    expect(queries('OpportunityHistory')).toBe(0);
    expect(h.sandbox.requests.some((r) => r.path === '/services/data/v62.0/composite')).toBe(true);

    const wide = await h.addConnection('wide');
    h.sandbox.resetRequests();
    const a = await runSync(h.customEnv({ apiVersion: '37.0' }), wide, { push: false });
    expect(a.error).toBeNull();
    // Pages of 2,000 and 1 deals: ⌈2,000 ÷ 707⌉ + ⌈1 ÷ 707⌉ = 3 + 1.
    expect(queries('OpportunityHistory')).toBe(4);
    const wideQueries = queries('OpportunityHistory');

    const narrow = await h.addConnection('narrow');
    h.sandbox.resetRequests();
    const b = await runSync(h.customEnv({ apiVersion: '37.0', queryUri: { maxBytes: 11_816 } }), narrow, {
      push: false,
    });
    expect(b.error).toBeNull();
    // ⌈2,000 ÷ 500⌉ + ⌈1 ÷ 500⌉ = 4 + 1.
    expect(queries('OpportunityHistory')).toBe(5);
    expect(wideQueries).toBeLessThan(queries('OpportunityHistory'));

    const [ha, hb] = [await history(wide.id), await history(narrow.id)];
    expect(ha.length).toBeGreaterThan(DEALS);
    expect(ha.some((r) => r.field === 'owner')).toBe(true);
    expect(ha).toEqual(hb);
    expect(await history(viaComposite.id)).toEqual(ha);
    const [la, lb] = [await assignments(wide.id), await assignments(narrow.id)];
    expect(la.length).toBeGreaterThan(0);
    expect(la).toEqual(lb);
    expect(await assignments(viaComposite.id)).toEqual(la);
  });
});
