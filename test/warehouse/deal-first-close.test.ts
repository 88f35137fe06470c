import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deal, DealChange, Page } from '../../connectors/connector.js';
import type { Db } from '../../src/db.js';
import { saveDealPage } from '../../src/pull/save-deals.js';
import { replacePipelines } from '../../src/warehouse/owner-tables.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

/**
 * deals.first_closed_at (migration 20261204_061): the first entry into a closed stage by the
 * stage history, whichever writer adds the history, and again when a stage's closedness changes.
 * Expected instants are read off the hand-written histories below; each is also checked against
 * the definition itself (the grouped deal_history query hm_closed ran before the column).
 */
const ZONE = 'UTC';
const day = (d: number) => new Date(Date.UTC(2026, 2, d, 12)).toISOString();

function deal(id: string, stageId: string, modifiedDay = 20): Deal {
  return {
    externalId: id,
    name: id,
    pipelineId: 'pl',
    stageId,
    ownerId: 'o1',
    amount: '100',
    currency: null,
    amountHome: null,
    createdAt: day(1),
    closeDate: '2026-03-31',
    forecastCategory: null,
    probability: null,
    lastModifiedAt: day(modifiedDay),
    mergedIds: [],
  };
}
const change = (dealId: string, d: number, value: string): DealChange => ({
  dealId,
  field: 'stage',
  changedAt: day(d),
  value,
});
const page = (records: Deal[]): Page<Deal> => ({ records, rejected: [], deletedIds: [], checkpoint: {} });

function stages(connectionId: number, qualifyClosed: boolean) {
  return [
    ['q', qualifyClosed, false],
    ['p', false, false],
    ['won', true, true],
    ['lost', true, false],
  ].map(([id, closed, won], i) => ({
    connection_id: connectionId,
    external_id: id as string,
    pipeline_id: 'pl',
    label: id as string,
    display_order: i,
    probability: null,
    is_closed: closed as boolean,
    is_won: won as boolean,
    forecast_category: null,
  }));
}

async function firstCloses(db: Db, connectionId: number): Promise<Record<string, string | null>> {
  const rows = await db
    .selectFrom('deals')
    .select(['external_id', 'first_closed_at'])
    .where('connection_id', '=', connectionId)
    .orderBy('external_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.external_id, r.first_closed_at?.toISOString() ?? null]));
}

/** The definition, as hm_closed computed it from deal_history before the column existed. */
async function fromHistory(db: Db, connectionId: number): Promise<Record<string, string | null>> {
  const rows = await sql<{ external_id: string; closed_at: Date | null }>`
    select d.external_id, (
      select min(h.changed_at) from deal_history h
      join stages s on s.connection_id = h.connection_id and s.external_id = h.value and s.is_closed
      where h.connection_id = d.connection_id and h.deal_id = d.external_id and h.field = 'stage'
    ) as closed_at
    from deals d where d.connection_id = ${connectionId} order by d.external_id`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.external_id, r.closed_at?.toISOString() ?? null]));
}

describe('deals.first_closed_at', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('deal_first_close');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('is the first closed-stage entry through page writes, re-delivered history and stage edits', async () => {
    const connection = await insertConnection(t.db, { timeZone: ZONE });
    const c = connection.id;
    const target = { connectionId: c, runId: null, timeZone: ZONE };
    await replacePipelines(
      t.db,
      c,
      [{ connection_id: c, external_id: 'pl', label: 'Sales', display_order: 0 }],
      stages(c, false),
    );
    // A: q (3), won (10), lost (12) → 10. B: q (4), p (6): never closed → null. C: no history → null.
    await saveDealPage(t.db, target, page([deal('A', 'lost'), deal('B', 'p'), deal('C', 'q')]), [
      change('A', 3, 'q'),
      change('A', 10, 'won'),
      change('A', 12, 'lost'),
      change('B', 4, 'q'),
      change('B', 6, 'p'),
    ]);
    expect(await firstCloses(t.db, c)).toEqual({ A: day(10), B: null, C: null });

    // The same deals re-read, unchanged, with an earlier closing row the CRM had not returned
    // before (A lost on day 8): the deal rows are not rewritten, the trigger lowers A to 8.
    await saveDealPage(t.db, target, page([deal('A', 'lost'), deal('B', 'p'), deal('C', 'q')]), [
      change('A', 8, 'lost'),
      change('A', 10, 'won'),
    ]);
    expect(await firstCloses(t.db, c)).toEqual({ A: day(8), B: null, C: null });

    // A later closing row (day 15) moves nothing: the first close stays the earliest.
    await saveDealPage(t.db, target, page([deal('A', 'won', 21)]), [change('A', 15, 'won')]);
    expect((await firstCloses(t.db, c)).A).toBe(day(8));

    // Qualify becomes a closed stage in the CRM: A's entry on day 3 and B's on day 4 are closes.
    await replacePipelines(
      t.db,
      c,
      [{ connection_id: c, external_id: 'pl', label: 'Sales', display_order: 0 }],
      stages(c, true),
    );
    expect(await firstCloses(t.db, c)).toEqual({ A: day(3), B: day(4), C: null });
    // And open again: back to the closed stages' entries.
    await replacePipelines(
      t.db,
      c,
      [{ connection_id: c, external_id: 'pl', label: 'Sales', display_order: 0 }],
      stages(c, false),
    );
    expect(await firstCloses(t.db, c)).toEqual({ A: day(8), B: null, C: null });
    expect(await firstCloses(t.db, c)).toEqual(await fromHistory(t.db, c));
  });

  it('is kept when rows are inserted directly, deal first and its history after (as tests and imports do)', async () => {
    const connection = await insertConnection(t.db, { timeZone: ZONE });
    const c = connection.id;
    await replacePipelines(
      t.db,
      c,
      [{ connection_id: c, external_id: 'pl', label: 'Sales', display_order: 0 }],
      stages(c, false),
    );
    await t.db
      .insertInto('deals')
      .values(
        ['D', 'E'].map((id) => ({
          connection_id: c,
          external_id: id,
          stage_id: 'won',
          last_modified_at: day(20),
        })),
      )
      .execute();
    // D: won on 9, then won again on 5 in a second statement → 5. E: lost on 7 → 7.
    await t.db
      .insertInto('deal_history')
      .values([
        { connection_id: c, deal_id: 'D', field: 'stage', changed_at: day(9), value: 'won' },
        { connection_id: c, deal_id: 'E', field: 'stage', changed_at: day(7), value: 'lost' },
        { connection_id: c, deal_id: 'E', field: 'owner', changed_at: day(2), value: 'won' },
      ])
      .execute();
    await t.db
      .insertInto('deal_history')
      .values({ connection_id: c, deal_id: 'D', field: 'stage', changed_at: day(5), value: 'won' })
      .execute();
    // E's owner row whose value happens to spell a stage id is not a stage change.
    expect(await firstCloses(t.db, c)).toEqual({ D: day(5), E: day(7) });
    expect(await firstCloses(t.db, c)).toEqual(await fromHistory(t.db, c));
  });
});
