import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullConnection } from '../../src/pull/pull-connection.js';
import { getRun, requestRun } from '../../src/warehouse/sync-runs.js';
import { insertConnection } from '../support/fixtures.js';
import { createMemoryCrm } from '../support/memory-connector.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * A worker can die between a page's commit and anything it does next. The page's rows, its
 * checkpoint and its share of the run's counts are one transaction, so the attempt that resumes
 * from the checkpoint brings the run's counts to exactly what the CRM holds (issue 15, item 9:
 * a kill in that gap once dropped a 50-deal page from the summary, 550 of 600).
 */
describe("a run's counts across a process that dies right after a page commits", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('pull_run_counts');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('counts every committed page once, across the dead attempt and the one that resumes', async () => {
    // 95 deals in pages of 10: ten pages, the last one of 5 (counted by hand).
    const crm = { deals: 95, pageSize: 10 };
    const connection = await insertConnection(t.db, { name: 'gap' });
    const { runId } = await requestRun(t.db, connection.id, {}, 'cli');
    let pagesSeen = 0;
    const died = new Error('SIGKILL right after the fourth deal page committed');
    await expect(
      pullConnection(t.db, createMemoryCrm(crm), connection.id, {
        full: false,
        runId,
        onPage: async (progress) => {
          if (progress.deals > 0 && ++pagesSeen === 4) throw died;
        },
      }),
    ).rejects.toBe(died);
    // Four deal pages committed before the "kill": 40 deals are the run's so far, no fewer.
    expect((await getRun(t.db, runId))?.counts.deals).toBe(40);

    await pullConnection(t.db, createMemoryCrm(crm), connection.id, { full: false, runId });
    const run = await getRun(t.db, runId);
    expect(run?.counts.deals).toBe(95);
    const stored = await t.db
      .selectFrom('deals')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(95);
  });
});
