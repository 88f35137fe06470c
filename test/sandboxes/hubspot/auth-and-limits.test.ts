import { afterEach, describe, expect, it } from 'vitest';
import { type HubspotSandbox, startHubspotSandbox } from '../../../sandboxes/hubspot/index.js';
import { apiError, clientFor, FIXED_NOW, raw } from './sandbox-client.js';

const T0 = FIXED_NOW.getTime();
const started: HubspotSandbox[] = [];
async function start(options: Parameters<typeof startHubspotSandbox>[0]): Promise<HubspotSandbox> {
  const sandbox = await startHubspotSandbox({ deals: 50, contacts: 20, now: FIXED_NOW, ...options });
  started.push(sandbox);
  return sandbox;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('HubSpot sandbox authentication', () => {
  it('answers a missing or unknown bearer token with HubSpot 401 body', async () => {
    const sandbox = await start({});
    for (const token of [null, 'pat-na1-not-a-token']) {
      const response = await raw(sandbox, '/crm/v3/owners/', { token });
      expect(response.status).toBe(401);
      expect(response.headers.get('x-hubspot-auth-failure')).toBe('401 Unauthorized');
      const body = response.body as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['category', 'correlationId', 'message', 'status']);
      expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
      expect(body['message']).toMatch(/^Authentication credentials not found\. This API supports OAuth 2\.0/);
    }
  });

  it('refreshes OAuth tokens, which expire after tokenTtlMs on the injected clock', async () => {
    let now = T0;
    const sandbox = await start({ tokenTtlMs: 60_000, clock: () => now });
    const { clientId, clientSecret, refreshToken } = sandbox.oauth;
    const token = await clientFor(sandbox, 'unused').oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      clientId,
      clientSecret,
      refreshToken,
    );
    expect(token).toMatchObject({ tokenType: 'bearer', refreshToken, expiresIn: 60 });
    const oauthClient = clientFor(sandbox, token.accessToken);
    expect((await oauthClient.crm.owners.ownersApi.getPage()).results.length).toBeGreaterThan(0);

    now += 60_000 + 120_000; // two minutes past expiry
    const expired = await raw(sandbox, '/crm/v3/owners/', { token: token.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({
      category: 'EXPIRED_AUTHENTICATION',
      message: 'The OAuth token used to make this call expired 2 minute(s) ago.',
    });

    const again = await clientFor(sandbox, 'unused').oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      clientId,
      clientSecret,
      refreshToken,
    );
    expect(again.accessToken).not.toBe(token.accessToken);
    expect(
      (await clientFor(sandbox, again.accessToken).crm.owners.ownersApi.getPage()).results.length,
    ).toBeGreaterThan(0);

    const bad = await apiError(
      clientFor(sandbox, 'unused').oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        clientId,
        clientSecret,
        'nope',
      ),
    );
    expect(bad.code).toBe(400);
    expect(bad.body['status']).toBe('BAD_REFRESH_TOKEN');
  });
});

describe('HubSpot sandbox limits', () => {
  it('enforces a rolling (not fixed) ten-second window with HubSpot headers and 429 body', async () => {
    let now = T0;
    const sandbox = await start({ rateLimit: 5, clock: () => now });
    const client = clientFor(sandbox);
    const remaining: string[] = [];
    for (let k = 0; k < 3; k++) {
      const r = await raw(sandbox, '/crm/v3/owners/');
      remaining.push(r.headers.get('x-hubspot-ratelimit-remaining')!);
      expect(r.headers.get('x-hubspot-ratelimit-max')).toBe('5');
      expect(r.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    }
    now = T0 + 9_000;
    for (let k = 0; k < 2; k++)
      remaining.push((await raw(sandbox, '/crm/v3/owners/')).headers.get('x-hubspot-ratelimit-remaining')!);
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const limited = await apiError(client.crm.owners.ownersApi.getPage());
    expect(limited.code).toBe(429);
    expect(limited.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    const body = (await raw(sandbox, '/crm/v3/owners/')).body;
    expect(body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });

    // 10.5 s after the first burst: its 3 requests left the window, the 2 at 9 s did not.
    now = T0 + 10_500;
    const statuses = [];
    for (let k = 0; k < 4; k++) statuses.push((await raw(sandbox, '/crm/v3/owners/')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('enforces the daily limit, which resets at midnight in the portal time zone', async () => {
    let now = Date.parse('2026-06-15T03:00:00Z'); // 23:00 the day before in New York
    const sandbox = await start({ dailyLimit: 2, clock: () => now });
    const first = await raw(sandbox, '/crm/v3/owners/');
    expect(first.headers.get('x-hubspot-ratelimit-daily')).toBe('2');
    expect(first.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('1');
    await raw(sandbox, '/crm/v3/owners/');
    const third = await raw(sandbox, '/crm/v3/owners/');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ policyName: 'DAILY', message: 'You have reached your daily limit.' });
    now = Date.parse('2026-06-15T04:30:00Z'); // 00:30 in New York
    expect((await raw(sandbox, '/crm/v3/owners/')).status).toBe(200);
  });

  it('limits search per second with the SECONDLY policy and no rate-limit headers', async () => {
    let now = T0;
    const sandbox = await start({ rateLimit: 100, clock: () => now });
    const search = () => raw(sandbox, '/crm/v3/objects/deals/search', { method: 'POST', body: { limit: 1 } });
    for (let k = 0; k < 5; k++) expect((await search()).status).toBe(200); // default 5 per second
    const limited = await search();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      policyName: 'SECONDLY',
      message: 'You have reached your secondly limit.',
    });
    expect([...limited.headers.keys()].some((h) => h.startsWith('x-hubspot-ratelimit'))).toBe(false);
    now += 1_000;
    expect((await search()).status).toBe(200);
    expect(sandbox.requests.filter((r) => r.search)).toHaveLength(7);
  });

  it('injects seeded faults: 5xx, dropped connections and truncated JSON, the same for the same seed', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const sandbox = await start({ seed, faultRate: 0.6 });
      const seen: string[] = [];
      for (let k = 0; k < 30; k++) {
        try {
          const response = await fetch(`${sandbox.baseUrl}/crm/v3/owners/`, {
            headers: { authorization: `Bearer ${sandbox.accessToken}` },
          });
          const text = await response.text();
          if (response.status >= 500) seen.push(String(response.status));
          else {
            JSON.parse(text);
            seen.push('ok');
          }
        } catch {
          seen.push('broken'); // a dropped connection or a body cut short
        }
      }
      return seen;
    };
    const first = await outcomes(5);
    expect(new Set(first)).toEqual(new Set(['ok', '500', '502', '503', 'broken']));
    expect(await outcomes(5)).toEqual(first);
  });

  it('adds fixed latency to every response', async () => {
    const sandbox = await start({ latencyMs: 40 });
    const t = performance.now();
    await raw(sandbox, '/crm/v3/owners/');
    expect(performance.now() - t).toBeGreaterThanOrEqual(39);
  });
});
