import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubspotSandbox,
  type SandboxOwner,
  type SandboxRecord,
  startHubspotSandbox,
} from '../../../sandboxes/hubspot/index.js';
import { FIXED_NOW, raw } from './sandbox-client.js';

const DAY = 86_400_000;
const NOW = FIXED_NOW.getTime();

function activeAt(owner: SandboxOwner, at: number): boolean {
  return owner.createdAt <= at && (owner.archivedAt === null || owner.archivedAt > at);
}

/** received ÷ expected for one owner over leads first assigned in [from, to), equal weights per day. */
function leadRatio(sandbox: HubspotSandbox, ownerId: string, from: number, to: number): number {
  let received = 0;
  let expected = 0;
  for (const contact of sandbox.data.contacts()) {
    const first = contact.history['hubspot_owner_id']?.[0];
    if (!first || first.timestamp < from || first.timestamp >= to) continue;
    const rotation = sandbox.data.owners.filter((o) => o.receivesLeads && activeAt(o, contact.createdAt));
    if (!rotation.some((o) => o.id === ownerId)) continue;
    expected += 1 / rotation.length;
    if (first.value === ownerId) received++;
  }
  return received / expected;
}

describe('HubSpot sandbox generator', () => {
  let sandbox: HubspotSandbox;
  let deals: SandboxRecord[];

  beforeAll(async () => {
    // 20,000 contacts put ~2,700 leads in the seven-week stretch: ~200 expected per rep, so the
    // 1.8x share is measured to about ±0.15 (two standard errors).
    sandbox = await startHubspotSandbox({
      seed: 1,
      deals: 3_000,
      contacts: 20_000,
      now: FIXED_NOW,
      unfairLeadStretch: true,
    });
    deals = [...sandbox.data.deals()];
  });
  afterAll(() => sandbox.close());

  it('is deterministic for a seed', async () => {
    const twin = await startHubspotSandbox({ seed: 1, deals: 3_000, contacts: 10, now: FIXED_NOW });
    try {
      expect(twin.data.get('deals', deals[1234]!.id)).toEqual(deals[1234]);
      expect(twin.accessToken).toBe(sandbox.accessToken);
    } finally {
      await twin.close();
    }
  });

  it('wins ~60% of closed deals, with cycles from a day to ~140 days, over the past year', () => {
    const closed = deals.filter((d) => d.properties['hs_is_closed'] === 'true');
    const won = closed.filter((d) => d.properties['hs_is_closed_won'] === 'true');
    // ~2,500 closed deals: the standard error of the rate is ~0.01, so ±0.05 is a real check.
    expect(won.length / closed.length).toBeGreaterThan(0.55);
    expect(won.length / closed.length).toBeLessThan(0.65);
    const cycles = closed.map((d) => Number(d.properties['days_to_close']));
    expect(Math.min(...cycles)).toBeLessThanOrEqual(2);
    expect(Math.max(...cycles)).toBeGreaterThanOrEqual(120);
    expect(Math.max(...cycles)).toBeLessThanOrEqual(140);
    for (const deal of deals) {
      expect(deal.createdAt).toBeGreaterThanOrEqual(NOW - 366 * DAY);
      expect(deal.updatedAt).toBeLessThanOrEqual(NOW);
    }
  });

  it('has a right-skewed amount distribution, home-currency amounts and open deals in every stage', () => {
    const amounts = deals.map((d) => Number(d.properties['amount'])).sort((a, b) => a - b);
    const mean = amounts.reduce((a, b) => a + b, 0) / amounts.length;
    const median = amounts[Math.floor(amounts.length / 2)]!;
    expect(mean / median).toBeGreaterThan(1.3);
    const foreign = deals.filter((d) => d.properties['deal_currency_code'] !== 'USD');
    expect(foreign.length).toBeGreaterThan(100);
    for (const deal of foreign) {
      expect(Number(deal.properties['amount_in_home_currency'])).toBeGreaterThan(
        Number(deal.properties['amount']),
      );
    }
    const openStages = new Set(
      deals.filter((d) => d.properties['hs_is_closed'] === 'false').map((d) => d.properties['dealstage']),
    );
    expect(openStages.size).toBeGreaterThanOrEqual(6);
  });

  it('keeps stage and owner history consistent with the current values and with employment', () => {
    const owners = new Map(sandbox.data.owners.map((o) => [o.id, o]));
    let reassigned = 0;
    for (const deal of deals) {
      const stages = deal.history['dealstage']!;
      const ownersHistory = deal.history['hubspot_owner_id']!;
      expect(stages.at(-1)!.value).toBe(deal.properties['dealstage']);
      expect(ownersHistory.at(-1)!.value).toBe(deal.properties['hubspot_owner_id']);
      const times = stages.map((s) => s.timestamp);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(activeAt(owners.get(ownersHistory[0]!.value)!, deal.createdAt)).toBe(true);
      if (ownersHistory.length > 1) reassigned++;
    }
    expect(reassigned).toBeGreaterThan(deals.length * 0.05);
  });

  it('gives one rep ~1.8x their fair share of leads during the unfair stretch, and a fair share outside it', () => {
    const stretch = sandbox.data.unfairStretch!;
    expect(stretch.to - stretch.from).toBe(49 * DAY);
    const inside = leadRatio(sandbox, stretch.ownerId, stretch.from, stretch.to);
    expect(inside).toBeGreaterThan(1.6);
    expect(inside).toBeLessThan(2.0);
    const before = leadRatio(sandbox, stretch.ownerId, NOW - 365 * DAY, stretch.from);
    expect(before).toBeGreaterThan(0.8);
    expect(before).toBeLessThan(1.2);
  });

  it('serves a million deals lazily, with little memory', async () => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const big = await startHubspotSandbox({ seed: 2, deals: 1_000_000, contacts: 10, now: FIXED_NOW });
    try {
      const lastId = String(9_500_000_001 + 999_999);
      const last = await raw(big, `/crm/v3/objects/deals/${lastId}?properties=dealstage`);
      expect(last.status).toBe(200);
      const page = await raw(big, '/crm/v3/objects/deals?limit=100');
      expect((page.body as { results: unknown[] }).results).toHaveLength(100);
      // Nothing is kept per deal: the portal costs a few MB whatever its size.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(30 * 1024 * 1024);
    } finally {
      await big.close();
    }
  });
});
