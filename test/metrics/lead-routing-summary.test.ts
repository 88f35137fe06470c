import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, localDate, parsePeriod } from '../../src/calendar/periods.js';
import { auditLeads } from '../../src/metrics/lead-audit.js';
import { auditDocument } from '../../src/reports/audit-document.js';
import { installRulesText } from '../../src/route/install-routing-rules.js';
import { routeStage } from '../../src/route/route-stage.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The lead audit shows which assignments routing made and which people changed afterwards
 * (issue 18). Two members alternate a, b, a, b (hand-computed: equal deficits, ties by email,
 * then longest wait); after the owners are written someone moves b's L2 to a by hand.
 */
describe('the lead audit beside routing', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('audit_routing');
  });
  afterAll(() => t.drop());

  const owner = (c: number, id: string) => ({
    connection_id: c,
    external_id: id,
    email: `${id}@x.com`,
    first_name: id,
    last_name: null,
    active: true,
    user_id: `u-${id}`,
    manager_id: null,
  });

  it('counts per rep the leads routed and the manual overrides after routing', async () => {
    const connection = await insertConnection(t.db);
    const c = connection.id;
    await t.db
      .insertInto('owners')
      .values([owner(c, 'a'), owner(c, 'b')])
      .execute();
    const rules = 'fallback: Everyone\npools:\n  - name: Everyone\n    members: [a@x.com, b@x.com]\n';
    expect((await installRulesText(t.db, c, rules, { dryRun: false })).ok).toBe(true);
    const created = Date.now() + 1000;
    await t.db
      .insertInto('leads')
      .values(
        [1, 2, 3, 4].map((i) => ({
          connection_id: c,
          external_id: `L${i}`,
          email: null,
          owner_id: null,
          assigned_at: null,
          score: null,
          rating: null,
          source: null,
          status: null,
          crm_created_at: new Date(created + i * 1000),
          last_modified_at: new Date(created + i * 1000),
        })),
      )
      .execute();
    const now = new Date(created + 10_000);
    expect((await routeStage(t.db, connection, { runId: 1, now })).counts).toEqual({
      routed: 4,
      unrouted: 0,
    });
    // The push wrote the four owners; then a person gives L2 to a.
    await t.db.updateTable('routing_decisions').set({ write_outcome: 'written' }).execute();
    const routed = await t.db
      .selectFrom('routing_decisions')
      .select(['lead_id', 'chosen_owner_id'])
      .execute();
    for (const r of routed) {
      const ownerId = r.lead_id === 'L2' ? 'a' : (r.chosen_owner_id as string);
      await t.db
        .updateTable('leads')
        .set({ owner_id: ownerId, assigned_at: now })
        .where('connection_id', '=', c)
        .where('external_id', '=', r.lead_id)
        .execute();
    }
    expect(routed.map((r) => `${r.lead_id}:${r.chosen_owner_id}`).sort()).toEqual([
      'L1:a',
      'L2:b',
      'L3:a',
      'L4:b',
    ]);

    const day = localDate(now, connection.timeZone);
    const period = parsePeriod(day.slice(0, 7), connection);
    const asOf = asOfInstant(period.end, connection.timeZone);
    const doc = auditDocument(await auditLeads(t.db, connection, { period, asOf }));
    // Routed: a 2 (L1, L3), b 2 (L2, L4); one override, b's L2 taken by a.
    expect(doc.routing).toMatchObject({
      routed: 4,
      manualOverrides: 1,
      reps: [
        { ownerEmail: 'a@x.com', routed: 2, overridesTaken: 1, overridesLost: 0 },
        { ownerEmail: 'b@x.com', routed: 2, overridesTaken: 0, overridesLost: 1 },
      ],
    });
  });

  it('adds nothing to the audit of a connection without routing rules', async () => {
    const connection = await insertConnection(t.db);
    const period = parsePeriod('2026-11', connection);
    const doc = auditDocument(
      await auditLeads(t.db, connection, { period, asOf: asOfInstant(period.end, connection.timeZone) }),
    );
    expect('routing' in doc).toBe(false);
  });
});
