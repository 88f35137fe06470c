import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/app/run-sync.js';
import { createHubspotHarness, type HubspotHarness } from './harness.js';

/** Through the production connector factory (tier budget, per-portal key, stored credentials). */
describe('HubSpot sync with nothing changed', () => {
  let h: HubspotHarness;
  beforeAll(async () => {
    h = await createHubspotHarness('hs_calls', { seed: 3, deals: 300, contacts: 150 });
  });
  afterAll(() => h.close());

  it('makes at most 12 API calls after a --no-push sync, none of them mutating', async () => {
    const connection = await h.addConnection('calls', { tier: 'professional' });
    const first = await runSync(h.factoryEnv(), connection, { push: false });
    expect(first.error).toBeNull();
    expect(first.status).toBe('succeeded');
    expect(first.pulled.deals).toBe([...h.sandbox.data.deals()].length);

    h.sandbox.resetRequests();
    const second = await runSync(h.factoryEnv(), connection, { push: false });
    expect(second.status).toBe('succeeded');
    expect(second.pulled.changed).toBe(0);
    const calls = h.sandbox.requests;
    // account, owners ×2, pipelines, deal search + archived list, contact search + archived list, goals.
    expect(calls.length).toBeLessThanOrEqual(12);
    expect(calls.filter((r) => r.mutating)).toEqual([]);
    expect(calls.every((r) => r.status === 200)).toBe(true);
  }, 120_000);

  it('refreshes an OAuth token through the token store and keeps it encrypted for the next run', async () => {
    const connection = await h.addConnection('oauth', { oauth: true, tier: 'oauth' });
    const summary = await runSync(h.factoryEnv(), connection, { push: false });
    expect(summary.error).toBeNull();
    const stored = await h.connections.credentials(connection.id);
    expect(stored).toMatchObject({ method: 'oauth', refreshToken: h.sandbox.oauth.refreshToken });
    expect('accessToken' in stored && typeof stored.accessToken === 'string').toBe(true);
    h.sandbox.resetRequests();
    await runSync(h.factoryEnv(), connection, { push: false });
    // The saved token is still valid: no second refresh.
    expect(h.sandbox.requests.filter((r) => r.path === '/oauth/v1/token')).toHaveLength(0);
  }, 120_000);
});
