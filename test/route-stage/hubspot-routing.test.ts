import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { installRulesText } from '../../src/route/install-routing-rules.js';
import { explainLead } from '../../src/route/route-explain.js';
import { createHubspotHarness, type HubspotHarness } from '../connectors/hubspot/harness.js';
import { decisions, twoMemberRules, twoReps } from './route-support.js';

/**
 * Issue 18, HubSpot half: new contacts (form fills without an owner) are routed by the route
 * stage of a real `runSync` through the production connector factory, and their owner lands in
 * the sandbox as `hubspot_owner_id` = the OWNER id in one batch update. The expected owners are
 * worked by hand from DESIGN §11 for two members of weight 1 (no rep settings): every lead adds
 * 0.5 to each member's expected count; the largest deficit wins, ties by longest wait, then email.
 */
const SOURCE = 'ROUTING_TEST';
const CONTACTS_WRITE = '/crm/v3/objects/contacts/batch/update';

describe('routing new HubSpot contacts through the sandbox', () => {
  let h: HubspotHarness;
  let connection: Connection;
  let reps: { id: string; userId: string; email: string }[];

  beforeAll(async () => {
    h = await createHubspotHarness('route_hs', { seed: 11, deals: 40, contacts: 40 });
    connection = await h.addConnection('route');
    await runSync(h.factoryEnv(), connection, { push: false });
    reps = await twoReps(h.database.db, connection.id);
    const installed = await installRulesText(
      h.database.db,
      connection.id,
      twoMemberRules(SOURCE, reps[0]!.email, reps[1]!.email),
      { dryRun: false },
    );
    expect(installed.ok).toBe(true);
  });
  afterAll(() => h.close());

  const ownerInSandbox = (id: string) => h.sandbox.data.get('contacts', id)?.properties['hubspot_owner_id'];

  it('routes three new contacts a, b, a and writes the owner ids in one batch call', async () => {
    // Owner ids and user ids differ in this portal, or the test could not tell them apart.
    expect(reps.every((r) => r.id !== r.userId)).toBe(true);
    const ids = [1, 2, 3].map((k) =>
      h.sandbox.createContact({ email: `new${k}@lead.example`, hs_analytics_source: SOURCE }, Date.now() + k),
    );
    const before = h.sandbox.requests.length;
    const summary = await runSync(h.factoryEnv(), connection, { push: true });
    expect(summary).toMatchObject({ status: 'succeeded', routed: 3, unrouted: 0 });

    const rows = await decisions(h.database.db, connection.id);
    // By hand: lead 1 ties at deficit 0.5 → email order → a; lead 2: a 1.0−1, b 1.0−0 → b;
    // lead 3: both 1.5−1 = 0.5, a waited longer (or, same instant, email) → a.
    expect(rows.map((r) => [r.lead_id, r.pool, r.chosen_email, r.write_outcome])).toEqual([
      [ids[0], 'Test source', reps[0]!.email, 'written'],
      [ids[1], 'Test source', reps[1]!.email, 'written'],
      [ids[2], 'Test source', reps[0]!.email, 'written'],
    ]);
    expect(rows.every((r) => r.speed_to_lead_seconds !== null)).toBe(true);
    expect(ids.map(ownerInSandbox)).toEqual([reps[0]!.id, reps[1]!.id, reps[0]!.id]);
    const writes = h.sandbox.requests.slice(before).filter((r) => r.mutating && r.path === CONTACTS_WRITE);
    expect(writes.map((r) => r.status)).toEqual([200]);

    const explained = await explainLead(h.database.db, connection.id, ids[1]!, connection.timeZone);
    // By hand at lead 2: b expected 0.5 + 0.5 = 1, received 0; a expected 1, received 1.
    expect(explained?.decisions[0]?.text).toBe(
      `Routed to ${reps[1]!.email} in pool Test source: the largest shortfall, 1 lead below their fair share (expected 1, received 0). Not chosen: owed less: ${reps[0]!.email} 0.`,
    );
  });

  it('leaves a hand-reassigned lead alone and counts it for the rep who has it', async () => {
    const [first] = await decisions(h.database.db, connection.id);
    // A person moves lead 1 from a to b in the CRM.
    h.sandbox.reassignContact(first!.lead_id, reps[1]!.id);
    const fourth = h.sandbox.createContact(
      { email: 'new4@lead.example', hs_analytics_source: SOURCE },
      Date.now() + 10,
    );
    const summary = await runSync(h.factoryEnv(), connection, { push: true });
    expect(summary).toMatchObject({ status: 'succeeded', routed: 1 });
    const rows = await decisions(h.database.db, connection.id);
    // Lead 1 keeps its one decision, and the CRM keeps the person's choice.
    expect(rows.filter((r) => r.lead_id === first!.lead_id)).toHaveLength(1);
    expect(ownerInSandbox(first!.lead_id)).toBe(reps[1]!.id);
    // By hand at lead 4: expected 2.0 each; a holds lead 3 (deficit 1), b leads 1 and 2 (0) → a.
    expect(rows.find((r) => r.lead_id === fourth)?.chosen_email).toBe(reps[0]!.email);
    expect(ownerInSandbox(fourth)).toBe(reps[0]!.id);
  });

  it('refuses a user id in hubspot_owner_id, as HubSpot documents', async () => {
    const id = h.sandbox.createContact({ email: 'new5@lead.example' }, Date.now() + 20);
    const response = await fetch(`${h.sandbox.baseUrl}${CONTACTS_WRITE}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.sandbox.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ id, properties: { hubspot_owner_id: reps[0]!.userId } }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { category: string; message: string };
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.message).toContain('INVALID_OWNER_ID');
    expect(body.message).toContain(`${reps[0]!.userId} is not a valid owner id`);
    expect(ownerInSandbox(id) ?? null).toBeNull();
  });
});
