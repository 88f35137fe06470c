import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRulesText } from '../../src/route/install-routing-rules.js';
import { routeStage } from '../../src/route/route-stage.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * DESIGN §11: a lead no member can take stays unrouted with the reason recorded and counted in
 * the run, never given to a default owner; it is offered again on the next run and routed once a
 * member is eligible. The one member's only availability window ended yesterday (rep settings).
 */
describe('a lead with no eligible member', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('route_unrouted');
  });
  afterAll(() => t.drop());

  it('stays unrouted with its reason, then is routed when the member is back', async () => {
    const connection = await insertConnection(t.db);
    const c = connection.id;
    await t.db
      .insertInto('owners')
      .values({
        connection_id: c,
        external_id: 'o1',
        email: 'ana@x.com',
        first_name: 'Ana',
        last_name: null,
        active: true,
        user_id: 'u1',
        manager_id: null,
      })
      .execute();
    const now = new Date('2026-12-02T12:00:00Z');
    // Ana's only window: November 2026 (UTC connection), over by the 2nd of December.
    await t.db
      .insertInto('owner_settings')
      .values({
        connection_id: c,
        owner_id: 'o1',
        lead_weight: 1,
        available_from: '2026-11-01',
        available_to: '2026-11-30',
      })
      .execute();
    const rules = 'fallback: Everyone\npools:\n  - name: Everyone\n    members: [ana@x.com]\n';
    expect((await installRulesText(t.db, c, rules, { dryRun: false })).ok).toBe(true);
    await t.db
      .insertInto('leads')
      .values({
        connection_id: c,
        external_id: 'L1',
        email: null,
        owner_id: null,
        assigned_at: null,
        score: null,
        rating: null,
        source: null,
        status: null,
        crm_created_at: new Date(Date.now() + 1000),
        last_modified_at: new Date(Date.now() + 1000),
      })
      .execute();

    const first = await routeStage(t.db, connection, { runId: 1, now });
    expect(first.counts).toEqual({ routed: 0, unrouted: 1 });
    const decision = await t.db.selectFrom('routing_decisions').selectAll().executeTakeFirstOrThrow();
    expect(decision).toMatchObject({ lead_id: 'L1', chosen_owner_id: null, write_outcome: 'unrouted' });
    expect(decision.unrouted_reason ?? '').not.toBe('');
    expect(await t.db.selectFrom('push_outbox').selectAll().execute()).toEqual([]);

    // Ana is back from today on: the same lead is routed on the next run, once.
    await t.db
      .updateTable('owner_settings')
      .set({ available_from: '2026-12-01', available_to: null })
      .where('owner_id', '=', 'o1')
      .execute();
    const second = await routeStage(t.db, connection, { runId: 2, now });
    expect(second.counts).toEqual({ routed: 1, unrouted: 0 });
    const rows = await t.db.selectFrom('routing_decisions').selectAll().execute();
    expect(rows.map((r) => [r.lead_id, r.hop, r.chosen_email, r.write_outcome])).toEqual([
      ['L1', 0, 'ana@x.com', 'pending'],
    ]);
    const outbox = await t.db
      .selectFrom('push_outbox')
      .select(['object', 'record_id', 'field', 'value'])
      .execute();
    expect(outbox).toEqual([{ object: 'lead', record_id: 'L1', field: 'owner', value: 'o1' }]);
    expect((await routeStage(t.db, connection, { runId: 3, now })).counts).toEqual({
      routed: 0,
      unrouted: 0,
    });
  });
});
