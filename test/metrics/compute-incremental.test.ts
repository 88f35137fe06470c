import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import type { Db } from '../../src/db.js';
import { computeMetrics } from '../../src/metrics/compute-metrics.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * Issue 17 step 4: a compute whose inputs did not change skips its steps and leaves the stored
 * values as a full recompute would write them; changing one deal, one quota, one rep setting or
 * the as-of day recomputes exactly the steps that read it, with the values hand-computed below.
 *
 * Fixture (UTC, fiscal year from January, so 2026-Q3 = Jul–Sep; as-of 2026-08-14):
 * - r1 won w1 (1,000, closed 08-03) and w2 (500, closed 08-15: after the as-of day, so not yet
 *   closed so far); r2 won w3 (2,000, 08-04); o1 (r1, 4,000, open, due 09-10).
 * - Quotas (CSV): r1 10,000 for August only, r2 8,000 for August only → Q3 quota 10,000 / 8,000.
 * - Leads in Q3: L1, L2 → r1, L3, L4 → r2 (first assignments, 08-03); settings weight 1 each.
 */
let t: TestDatabase;
let db: Db;
let connection: Connection;
const asOf = asOfInstant('2026-08-14', 'UTC');

async function values(): Promise<Map<string, string>> {
  const { rows } = await sql<{ key: string; value: string; computed_at: Date }>`
    select object || ':' || record_id || ':' || metric || ':' || period_key as key,
      coalesce((value_numeric::float8)::text, value_text, 'null') as value, computed_at
    from metric_values where connection_id = ${connection.id} order by 1`.execute(db);
  return new Map(rows.map((r) => [r.key, `${r.value}@${r.computed_at.toISOString()}`]));
}

function value(all: Map<string, string>, key: string): string | undefined {
  return all.get(key)?.split('@')[0];
}

const skipped = (counts: Record<string, number | undefined>) =>
  ['attainment', 'fairness', 'forecast'].filter((s) => counts[`computeSkipped_${s}`] === 1);

beforeAll(async () => {
  t = await createTestDatabase('compute_incremental');
  db = t.db;
  connection = await insertConnection(db, { timeZone: 'UTC', currency: 'USD' });
  const c = connection.id;
  await db
    .insertInto('stages')
    .values(
      (
        [
          ['open', 1, 0.5, false, false],
          ['won', 2, 1, true, true],
          ['lost', 3, 0, true, false],
        ] as const
      ).map(([s, order, p, closed, won]) => ({
        connection_id: c,
        external_id: s,
        pipeline_id: 'p',
        label: s,
        display_order: order,
        probability: p,
        is_closed: closed,
        is_won: won,
        forecast_category: null,
      })),
    )
    .execute();
  await db
    .insertInto('owners')
    .values(
      ['r1', 'r2'].map((o) => ({
        connection_id: c,
        external_id: o,
        email: `${o}@example.com`,
        first_name: o,
        last_name: null,
        active: true,
        user_id: null,
        manager_id: null,
        crm_created_at: null,
        crm_updated_at: null,
      })),
    )
    .execute();
  const deal = (id: string, owner: string, stage: string, amount: number, closeDate: string) => ({
    connection_id: c,
    external_id: id,
    name: id,
    pipeline_id: 'p',
    stage_id: stage,
    owner_id: owner,
    amount,
    currency: 'USD',
    amount_home: null,
    crm_created_at: '2026-07-01T00:00:00Z',
    close_at: null,
    close_date: closeDate,
    forecast_category: null,
    probability: null,
    last_modified_at: '2026-08-01T00:00:00Z',
    deleted_at: null,
    merged_into: null,
  });
  await db
    .insertInto('deals')
    .values([
      deal('w1', 'r1', 'won', 1000, '2026-08-03'),
      deal('w2', 'r1', 'won', 500, '2026-08-15'),
      deal('w3', 'r2', 'won', 2000, '2026-08-04'),
      deal('o1', 'r1', 'open', 4000, '2026-09-10'),
    ])
    .execute();
  await db
    .insertInto('quotas')
    .values([
      {
        connection_id: c,
        owner_id: 'r1',
        team_id: null,
        month: '2026-08-01',
        amount: 10000,
        currency: 'USD',
        source: 'csv',
        source_ref: null,
      },
      {
        connection_id: c,
        owner_id: 'r2',
        team_id: null,
        month: '2026-08-01',
        amount: 8000,
        currency: 'USD',
        source: 'csv',
        source_ref: null,
      },
    ])
    .execute();
  await db
    .insertInto('leads')
    .values(
      ['L1', 'L2', 'L3', 'L4'].map((id) => ({
        connection_id: c,
        external_id: id,
        email: null,
        owner_id: null,
        assigned_at: null,
        score: null,
        rating: null,
        source: null,
        status: null,
        crm_created_at: null,
        last_modified_at: '2026-08-03T00:00:00Z',
        deleted_at: null,
      })),
    )
    .execute();
  await db
    .insertInto('lead_assignments')
    .values(
      (
        [
          ['L1', 'r1'],
          ['L2', 'r1'],
          ['L3', 'r2'],
          ['L4', 'r2'],
        ] as const
      ).map(([lead, owner]) => ({
        connection_id: c,
        lead_id: lead,
        owner_id: owner,
        assigned_at: '2026-08-03T12:00:00Z',
        source: 'crm_history' as const,
      })),
    )
    .execute();
  await db
    .insertInto('owner_settings')
    .values(
      ['r1', 'r2'].map((o) => ({
        connection_id: c,
        owner_id: o,
        lead_weight: 1,
        available_from: null,
        available_to: null,
      })),
    )
    .execute();
});

afterAll(async () => {
  await t?.drop();
});

describe('incremental compute', () => {
  it('skips every step when nothing changed, and the stored values are what a full recompute writes', async () => {
    const first = await computeMetrics(db, connection, { asOf, runId: 1, replay: false });
    expect(skipped(first)).toEqual([]);
    const stored = await values();
    // Hand-computed: r1 closed 1,000 of 10,000 (w2 closes after the as-of day); r2 2,000 of 8,000.
    expect(value(stored, 'rep:r1:salesops_closed_won:2026-Q3')).toBe('1000');
    expect(value(stored, 'rep:r1:salesops_quota_attainment:2026-Q3')).toBe('10');
    expect(value(stored, 'rep:r2:salesops_quota_attainment:2026-Q3')).toBe('25');
    // Two leads each against an expected 4 × 1/2 = 2: 100% of the fair share.
    expect(value(stored, 'rep:r1:salesops_lead_share_vs_expected:2026-Q3')).toBe('100');

    const second = await computeMetrics(db, connection, { asOf, runId: 2, replay: false });
    expect(skipped(second)).toEqual(['attainment', 'fairness', 'forecast']);
    // Nothing written: the same values with the same computed_at.
    expect(await values()).toEqual(stored);

    // A forced recompute writes the same values (rows whose value is unchanged keep computed_at;
    // the upserted rep values get a new computed_at, so compare the values only).
    await computeMetrics(db, connection, { asOf, runId: 3, replay: false, force: true });
    const forced = await values();
    expect([...forced].map(([k, v]) => [k, v.split('@')[0]])).toEqual(
      [...stored].map(([k, v]) => [k, v.split('@')[0]]),
    );
  });

  it('recomputes the deal steps when one deal changes, and not the lead audit', async () => {
    const p50Before = Number(value(await values(), 'rep:r1:salesops_forecast_p50:2026-Q3'));
    await sql`update deals set amount = 3000, synced_at = now() where connection_id = ${connection.id} and external_id = 'w1'`.execute(
      db,
    );
    const counts = await computeMetrics(db, connection, { asOf, runId: 4, replay: false });
    expect(skipped(counts)).toEqual(['fairness']);
    const after = await values();
    // r1: 3,000 of 10,000.
    expect(value(after, 'rep:r1:salesops_closed_won:2026-Q3')).toBe('3000');
    expect(value(after, 'rep:r1:salesops_quota_attainment:2026-Q3')).toBe('30');
    expect(value(after, 'rep:r2:salesops_quota_attainment:2026-Q3')).toBe('25');
    // Same seed, same open deal: every trial starts 2,000 higher, so the P50 moves by exactly that.
    expect(Number(value(after, 'rep:r1:salesops_forecast_p50:2026-Q3')) - p50Before).toBe(2000);
  });

  it('recomputes the deal steps when one quota changes', async () => {
    await sql`update quotas set amount = 4000 where connection_id = ${connection.id} and owner_id = 'r2'`.execute(
      db,
    );
    const counts = await computeMetrics(db, connection, { asOf, runId: 5, replay: false });
    expect(skipped(counts)).toEqual(['fairness']);
    const after = await values();
    // r2: 2,000 of 4,000.
    expect(value(after, 'rep:r2:salesops_quota:2026-Q3')).toBe('4000');
    expect(value(after, 'rep:r2:salesops_quota_attainment:2026-Q3')).toBe('50');
  });

  it('recomputes only the lead audit when one rep setting changes', async () => {
    await sql`update owner_settings set lead_weight = 3 where connection_id = ${connection.id} and owner_id = 'r2'`.execute(
      db,
    );
    const counts = await computeMetrics(db, connection, { asOf, runId: 6, replay: false });
    expect(skipped(counts)).toEqual(['attainment', 'forecast']);
    const after = await values();
    // Expected: r1 4 × 1/4 = 1 (received 2 → 200%), r2 4 × 3/4 = 3 (received 2 → 66.6667%).
    expect(value(after, 'rep:r1:salesops_lead_share_vs_expected:2026-Q3')).toBe('200');
    expect(value(after, 'rep:r2:salesops_lead_share_vs_expected:2026-Q3')).toBe('66.6667');
  });

  it('recomputes every step on the next as-of day', async () => {
    const nextDay = asOfInstant('2026-08-15', 'UTC');
    const counts = await computeMetrics(db, connection, { asOf: nextDay, runId: 7, replay: false });
    expect(skipped(counts)).toEqual([]);
    const after = await values();
    // w2 (500, closed 08-15) is now closed so far: r1 3,000 + 500 of 10,000.
    expect(value(after, 'rep:r1:salesops_closed_won:2026-Q3')).toBe('3500');
    expect(value(after, 'rep:r1:salesops_quota_attainment:2026-Q3')).toBe('35');
    const snapshots = await sql<{ as_of: string }>`
      select distinct as_of::text from forecast_snapshots where connection_id = ${connection.id} order by 1`.execute(
      db,
    );
    expect(snapshots.rows.map((r) => r.as_of)).toEqual(['2026-08-14', '2026-08-15']);
    const again = await computeMetrics(db, connection, { asOf: nextDay, runId: 8, replay: false });
    expect(skipped(again)).toEqual(['attainment', 'fairness', 'forecast']);
  });
});
