import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * metric_values has no foreign key to connections (migration 20261204_060: the per-row check
 * was 2.9 s of the first compute's 7.4 s insert at 1M deals); a trigger on connections removes
 * a purged connection's values in its place.
 */
describe('metric_values without its foreign key', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('metric_values_purge');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('a purged connection leaves no metric_values behind; another connection keeps its own', async () => {
    const gone = await insertConnection(t.db);
    const kept = await insertConnection(t.db);
    const value = (connectionId: number) => ({
      connection_id: connectionId,
      object: 'rep' as const,
      record_id: 'o1',
      metric: 'salesops_quota',
      period_key: '2026-Q1',
      value_numeric: 1,
      value_text: null,
      run_id: null,
    });
    await t.db
      .insertInto('metric_values')
      .values([value(gone.id), value(kept.id)])
      .execute();
    await t.db.deleteFrom('connections').where('id', '=', gone.id).execute();
    const left = await t.db.selectFrom('metric_values').select('connection_id').execute();
    expect(left.map((r) => r.connection_id)).toEqual([kept.id]);
  });
});
