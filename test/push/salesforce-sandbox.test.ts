import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../workers/run-sync.js';
import { createSalesforceHarness, type SalesforceHarness } from '../connectors/salesforce/harness.js';

/**
 * The push stage through the real Salesforce connector against the Salesforce sandbox: every
 * open deal's model win probability lands on its Opportunity as pushed (rounded to 0.1), and a
 * second sync with the same --as-of sends no mutating request of any kind.
 */
const AS_OF = '2026-03-15';

describe('push to the Salesforce sandbox', () => {
  let h: SalesforceHarness;
  beforeAll(async () => {
    h = await createSalesforceHarness('push_sf', { seed: 3, deals: 300 });
  });
  afterAll(() => h.close());

  it('writes the warehouse values, then a second sync makes no mutating call', async () => {
    const connection = await h.addConnection('push');
    const first = await runSync(h.factoryEnv(), connection, { push: true, asOf: AS_OF });
    expect(first.error).toBeNull();
    expect(first.pushed.rejected).toEqual([]);
    expect(first.pushed.calls).toBeGreaterThan(0);

    const probabilities = await h.db
      .selectFrom('metric_values')
      .select(['record_id', 'value_numeric'])
      .where('connection_id', '=', connection.id)
      .where('metric', '=', 'salesops_win_probability')
      .execute();
    expect(probabilities.length).toBeGreaterThan(0);
    const opportunities = new Map(h.sandbox.data.records('Opportunity').map((o) => [String(o['Id']), o]));
    for (const row of probabilities) {
      expect(Number(opportunities.get(row.record_id)?.['SalesOps_Win_Probability__c'])).toBe(
        Math.round(Number(row.value_numeric) * 10) / 10,
      );
    }

    const before = h.sandbox.requests.length;
    const second = await runSync(h.factoryEnv(), connection, { push: true, asOf: AS_OF });
    expect(second.pushed).toEqual({ calls: 0, records: 0, failed: 0, rejected: [] });
    expect(h.sandbox.requests.slice(before).filter((r) => r.mutating)).toEqual([]);
  });
});
