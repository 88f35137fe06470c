import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfInstant } from '../../src/calendar/periods.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { computeAttainmentMetrics } from '../../src/metrics/attainment-metrics.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { Q3, seed, seedPipeline } from './attainment-fixture.js';

let t: TestDatabase;
let ny: Connection;

async function values() {
  const rows = await t.db
    .selectFrom('metric_values')
    .select(['object', 'record_id', 'metric', 'period_key', 'value_numeric', 'value_text', 'computed_at'])
    .where('connection_id', '=', ny.id)
    .orderBy('object')
    .orderBy('record_id')
    .orderBy('metric')
    .execute();
  return rows;
}
const value = (rows: Awaited<ReturnType<typeof values>>, object: string, id: string, metric: string) => {
  const row = rows.find((r) => r.object === object && r.record_id === id && r.metric === metric);
  if (!row) return undefined;
  return row.value_text ?? (row.value_numeric === null ? null : Number(row.value_numeric));
};

beforeAll(async () => {
  t = await createTestDatabase('attainment_metrics');
  ny = await insertConnection(t.db, { timeZone: 'America/New_York', fiscalYearStartMonth: 1 });
  await seedPipeline(t.db, ny.id);
  await seed(t.db, ny.id, {
    ...Q3,
    // D10 moved stage at 02:30Z on Sep 2 = 22:30 on Sep 1 in New York.
    history: [...(Q3.history ?? []), { deal: 'D10', field: 'stage', at: '2026-09-02T02:30:00Z', value: 'q' }],
  });
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

describe('computeAttainmentMetrics', () => {
  // As of 2026-09-30 (end of day, New York) the current fiscal quarter is 2026-Q3 and complete;
  // attainment as in attainment.test.ts. Win rate window 2025-10-01..2026-09-30, closing owner:
  // alice won D1, D2, D4, lost D8 → 3/4 = 75%; bob D3 → 100%; carol D5, dave D6 → 100%; erin none.
  it.each([
    ['a', 'salesops_quota_attainment', (68_000 / 90_000) * 100],
    ['a', 'salesops_quota', 90_000],
    ['a', 'salesops_closed_won', 68_000],
    ['a', 'salesops_win_rate', 75],
    ['b', 'salesops_quota_attainment', (34_000 / 60_000) * 100],
    ['b', 'salesops_win_rate', 100],
    ['c', 'salesops_quota_attainment', null],
    ['c', 'salesops_quota', null],
    ['c', 'salesops_closed_won', 5_000],
    ['d', 'salesops_quota_attainment', (35_000 / 30_000) * 100],
    ['e', 'salesops_quota_attainment', 0],
    ['e', 'salesops_win_rate', null],
  ] as const)('rep %s %s = %s', async (id, metric, expected) => {
    await computeAttainmentMetrics(t.db, ny, { asOf: asOfInstant('2026-09-30', ny.timeZone), runId: 7 });
    const got = value(await values(), 'rep', id, metric);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected, 3);
  });

  it('writes open deals with their owner attainment and stage-entered date', async () => {
    await computeAttainmentMetrics(t.db, ny, { asOf: asOfInstant('2026-09-30', ny.timeZone), runId: 7 });
    const rows = await values();
    expect(new Set(rows.map((r) => r.period_key))).toEqual(new Set(['2026-Q3']));
    // Only D9 and D10 are open.
    expect(new Set(rows.filter((r) => r.object === 'deal').map((r) => r.record_id))).toEqual(
      new Set(['D9', 'D10']),
    );
    expect(value(rows, 'deal', 'D9', 'salesops_owner_attainment')).toBeCloseTo((34 / 60) * 100, 3);
    expect(value(rows, 'deal', 'D10', 'salesops_owner_attainment')).toBeCloseTo((68 / 90) * 100, 3);
    // D9 has no stage history: created 2026-01-05T12:00Z = Jan 5 in New York.
    expect(value(rows, 'deal', 'D9', 'salesops_stage_entered_at')).toBe('2026-01-05');
    expect(value(rows, 'deal', 'D10', 'salesops_stage_entered_at')).toBe('2026-09-01');
  });

  it('leaves unchanged rows alone and removes rows that no longer qualify', async () => {
    const asOf = asOfInstant('2026-09-30', ny.timeZone);
    await computeAttainmentMetrics(t.db, ny, { asOf, runId: 7 });
    const before = await values();
    await computeAttainmentMetrics(t.db, ny, { asOf, runId: 8 });
    expect(await values()).toEqual(before);

    // D10 is lost and erin's quota is withdrawn: D10's rows and all of erin's go.
    await t.db.updateTable('deals').set({ stage_id: 'l' }).where('external_id', '=', 'D10').execute();
    await t.db.deleteFrom('quotas').where('owner_id', '=', 'e').execute();
    await computeAttainmentMetrics(t.db, ny, { asOf, runId: 9 });
    const after = await values();
    expect(after.filter((r) => r.record_id === 'D10' || r.record_id === 'e')).toEqual([]);
    // alice now lost D10 too: 3 won of 5 closed = 60%; her attainment row is untouched.
    expect(value(after, 'rep', 'a', 'salesops_win_rate')).toBe(60);
    const untouched = (rows: typeof before) =>
      rows.find((r) => r.record_id === 'a' && r.metric === 'salesops_quota');
    expect(untouched(after)?.computed_at).toEqual(untouched(before)?.computed_at);
  });
});
