import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant, parsePeriod } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';
import { computeFairnessMetrics, LEAD_SHARE_METRIC } from '../../src/metrics/fairness-metrics.js';
import { auditLeads } from '../../src/metrics/lead-audit.js';
import { assignmentTrail } from '../../src/metrics/lead-distribution.js';
import { auditDocument } from '../../src/reports/audit-document.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * The SQL side against real Postgres, in America/New_York so day bucketing is tested:
 *   L1  queue q at 07-01 10:00, then a at 11:00 (local)  → counts for a (queues are not reps)
 *   L2  no assignment rows; leads.owner_id b, 07-02       → counts for b (fallback)
 *   L3  a at 2026-07-01 03:00Z = 06-30 23:00 local         → June, not counted in July
 *   L4  a at 07-05, then b at 07-06                         → counts for a (first in period)
 *   L5  x (deactivated) at 07-03                            → outside the rotation, flagged
 *   L6  a at 07-03 but the lead is deleted                  → not counted
 */
let t: TestDatabase;
let db: Db;
let conn: Connection;
const JULY = parsePeriod('2026-07', { fiscalYearStartMonth: 1, timeZone: 'America/New_York' });

async function seed(): Promise<void> {
  const owner = (external_id: string, extra: { active?: boolean; is_queue?: boolean } = {}) => ({
    connection_id: conn.id,
    external_id,
    email: `${external_id}@example.com`,
    first_name: external_id.toUpperCase(),
    last_name: 'Rep',
    active: extra.active ?? true,
    is_queue: extra.is_queue ?? false,
    user_id: null,
    manager_id: null,
    crm_created_at: null,
    crm_updated_at: null,
  });
  await db
    .insertInto('owners')
    .values([
      owner('a'),
      owner('b'),
      owner('c'),
      owner('q', { is_queue: true }),
      owner('x', { active: false }),
    ])
    .execute();
  const lead = (
    id: string,
    extra: { owner?: string; at?: string; score?: number; deleted?: boolean } = {},
  ) => ({
    connection_id: conn.id,
    external_id: id,
    email: null,
    owner_id: extra.owner ?? null,
    assigned_at: extra.at ?? null,
    score: extra.score ?? null,
    rating: null,
    source: null,
    status: null,
    crm_created_at: null,
    last_modified_at: '2026-07-01T00:00:00Z',
    is_deleted: extra.deleted ?? false,
    deleted_at: null,
  });
  await db
    .insertInto('leads')
    .values([
      lead('L1', { score: 80 }),
      lead('L2', { owner: 'b', at: '2026-07-02T15:00:00Z', score: 10 }),
      lead('L3'),
      lead('L4', { score: 50 }),
      lead('L5'),
      lead('L6', { deleted: true }),
    ])
    .execute();
  const assign = (lead_id: string, owner_id: string, assigned_at: string) => ({
    connection_id: conn.id,
    lead_id,
    owner_id,
    assigned_at,
    source: 'crm_history' as const,
  });
  await db
    .insertInto('lead_assignments')
    .values([
      assign('L1', 'q', '2026-07-01T14:00:00Z'),
      assign('L1', 'a', '2026-07-01T15:00:00Z'),
      assign('L3', 'a', '2026-07-01T03:00:00Z'),
      assign('L4', 'a', '2026-07-05T15:00:00Z'),
      assign('L4', 'b', '2026-07-06T15:00:00Z'),
      assign('L5', 'x', '2026-07-03T15:00:00Z'),
      assign('L6', 'a', '2026-07-03T15:00:00Z'),
    ])
    .execute();
}

beforeAll(async () => {
  t = await createTestDatabase('fairness_db');
  db = t.db;
  conn = await insertConnection(db, { timeZone: 'America/New_York' });
  await seed();
});
afterAll(() => t.drop());

const asOf = asOfInstant('2026-07-31', 'America/New_York');

describe('auditLeads against the warehouse', () => {
  it('without settings: active reps who received a lead share equally; others are flagged per owner', async () => {
    const result = await auditLeads(db, conn, { period: JULY, asOf });
    const doc = auditDocument(result);
    expect(result.rotation).toBe('equal');
    // a: L1, L4; b: L2; x: L5 → 4 leads; a and b split 3 measured leads → 1.5 expected each.
    expect(doc.totalLeads).toBe(4);
    expect(doc.reps).toEqual([
      { ownerEmail: 'a@example.com', received: 2, expected: 1.5, avgQuality: 2.5 },
      { ownerEmail: 'b@example.com', received: 1, expected: 1.5, avgQuality: 1 },
      { ownerEmail: 'x@example.com', received: 1, expected: 0, avgQuality: null },
    ]);
    expect(doc.flags).toEqual([
      {
        kind: 'outside-rotation',
        ownerEmail: 'x@example.com',
        reason: expect.stringMatching(
          /^x@example\.com is outside the rotation \(not an active rep\) but received 1 lead on 2026-07-03: L5$/,
        ),
        received: 1,
        expected: 0,
        pValue: null,
        leadIds: ['L5'],
      },
    ]);
  });

  it('honours --as-of: nothing assigned after the end of that day counts', async () => {
    const result = await auditLeads(db, conn, {
      period: JULY,
      asOf: asOfInstant('2026-07-04', 'America/New_York'),
    });
    expect(result.audit.reps.find((r) => r.ownerId === 'a')?.received).toBe(1);
  });

  it('with settings: weights and windows decide the rotation and the expected shares', async () => {
    await db
      .insertInto('owner_settings')
      .values([
        {
          connection_id: conn.id,
          owner_id: 'a',
          lead_weight: 2,
          available_from: '2026-07-01',
          available_to: null,
        },
        {
          connection_id: conn.id,
          owner_id: 'b',
          lead_weight: 1,
          available_from: null,
          available_to: '2026-07-15',
        },
        { connection_id: conn.id, owner_id: 'c', lead_weight: 1, available_from: null, available_to: null },
      ])
      .execute();
    try {
      const doc = auditDocument(await auditLeads(db, conn, { period: JULY, asOf }));
      // Leads on 07-01, 07-02, 07-05, all days with a (2), b (1), c (1) available: a gets 2/4 of
      // each, b and c 1/4 → a 1.5, b 0.75, c 0.75. c is listed though it received nothing.
      expect(doc.reps.map((r) => [r.ownerEmail, r.received, r.expected])).toEqual([
        ['a@example.com', 2, 1.5],
        ['b@example.com', 1, 0.75],
        ['c@example.com', 0, 0.75],
        ['x@example.com', 1, 0],
      ]);
      expect(doc.flags.map((f) => f.reason)).toEqual([expect.stringMatching(/not listed, or weight 0/)]);
    } finally {
      await db.deleteFrom('owner_settings').where('connection_id', '=', conn.id).execute();
    }
  });

  it('lists every assignment in the trail, marking the one each lead counts for', async () => {
    const trail = await assignmentTrail(db, {
      connectionId: conn.id,
      timeZone: conn.timeZone,
      ...JULY,
      asOf,
    });
    const rows = trail.map((r) => [r.leadId, r.ownerId, r.source, r.counted, r.isQueue]);
    expect(rows).toEqual([
      ['L1', 'q', 'crm_history', false, true],
      ['L1', 'a', 'crm_history', true, false],
      ['L2', 'b', 'lead_record', true, false],
      ['L5', 'x', 'crm_history', true, false],
      ['L6', 'a', 'crm_history', false, false],
      ['L4', 'a', 'crm_history', true, false],
      ['L4', 'b', 'crm_history', false, false],
    ]);
  });
});

describe('computeFairnessMetrics', () => {
  it('upserts received ÷ expected in percent for the current fiscal quarter, idempotently', async () => {
    const at = asOfInstant('2026-07-31', 'America/New_York');
    await computeFairnessMetrics(db, conn, { asOf: at, runId: 7 });
    await computeFairnessMetrics(db, conn, { asOf: at, runId: 8 });
    const rows = await db
      .selectFrom('metric_values')
      .select(['record_id', 'period_key', 'value_numeric', 'run_id'])
      .where('metric', '=', LEAD_SHARE_METRIC)
      .orderBy('record_id')
      .execute();
    // a: 2 / 1.5 = 133.33%; b: 1 / 1.5 = 66.67%; x has no expected share, so no value.
    expect(rows).toEqual([
      { record_id: 'a', period_key: '2026-Q3', value_numeric: '133.3333', run_id: 8 },
      { record_id: 'b', period_key: '2026-Q3', value_numeric: '66.6667', run_id: 8 },
    ]);
  });
});
