import type { Db } from '../../src/db.js';

/** Compact warehouse seeding for the metrics tests (not a test file itself). */
export interface SeedDeal {
  readonly id: string;
  readonly owner: string | null;
  readonly stage: string;
  readonly amount: number;
  readonly amountHome?: number;
  readonly closeDate: string;
  readonly created?: string;
  readonly deleted?: boolean;
  readonly pipeline?: string;
}

export interface Seed {
  readonly owners?: readonly { id: string; email: string; name: string; active?: boolean }[];
  readonly teams?: readonly { id: string; name: string; members: readonly string[] }[];
  readonly deals?: readonly SeedDeal[];
  readonly history?: readonly { deal: string; field: 'stage' | 'owner'; at: string; value: string }[];
  readonly splits?: readonly { deal: string; owner: string; percent: number }[];
  readonly quotas?: readonly {
    owner?: string;
    team?: string;
    month: string;
    amount: number;
    source?: 'csv' | 'crm';
  }[];
}

/** One pipeline: open stages q (20%), p (60%); won w; lost l. */
export const STAGES = [
  { id: 'q', label: 'Qualify', order: 1, probability: 0.2, closed: false, won: false },
  { id: 'p', label: 'Propose', order: 2, probability: 0.6, closed: false, won: false },
  { id: 'w', label: 'Closed won', order: 3, probability: 1, closed: true, won: true },
  { id: 'l', label: 'Closed lost', order: 4, probability: 0, closed: true, won: false },
] as const;

export async function seedPipeline(db: Db, c: number): Promise<void> {
  await db.insertInto('pipelines').values({ connection_id: c, external_id: 'pl', label: 'Sales' }).execute();
  await db
    .insertInto('stages')
    .values(
      STAGES.map((s) => ({
        connection_id: c,
        external_id: s.id,
        pipeline_id: 'pl',
        label: s.label,
        display_order: s.order,
        probability: s.probability,
        is_closed: s.closed,
        is_won: s.won,
      })),
    )
    .execute();
}

export async function seed(db: Db, c: number, s: Seed): Promise<void> {
  if (s.owners?.length) {
    await db
      .insertInto('owners')
      .values(
        s.owners.map((o) => ({
          connection_id: c,
          external_id: o.id,
          email: o.email,
          first_name: o.name.split(' ')[0] ?? null,
          last_name: o.name.split(' ').slice(1).join(' ') || null,
          active: o.active ?? true,
          user_id: null,
          manager_id: null,
          crm_created_at: null,
          crm_updated_at: null,
        })),
      )
      .execute();
  }
  for (const t of s.teams ?? []) {
    await db.insertInto('teams').values({ connection_id: c, external_id: t.id, name: t.name }).execute();
    if (t.members.length) {
      await db
        .insertInto('owner_teams')
        .values(t.members.map((m) => ({ connection_id: c, owner_id: m, team_id: t.id, is_primary: true })))
        .execute();
    }
  }
  if (s.deals?.length) {
    await db
      .insertInto('deals')
      .values(
        s.deals.map((d) => ({
          connection_id: c,
          external_id: d.id,
          name: d.id,
          pipeline_id: d.pipeline ?? 'pl',
          stage_id: d.stage,
          owner_id: d.owner,
          amount: d.amount,
          currency: null,
          amount_home: d.amountHome ?? null,
          crm_created_at: d.created ?? '2026-01-05T12:00:00Z',
          close_at: null,
          close_date: d.closeDate,
          forecast_category: null,
          probability: null,
          last_modified_at: '2026-01-01T00:00:00Z',
          is_deleted: d.deleted ?? false,
          deleted_at: null,
          merged_into: null,
        })),
      )
      .execute();
  }
  if (s.history?.length) {
    await db
      .insertInto('deal_history')
      .values(
        s.history.map((h) => ({
          connection_id: c,
          deal_id: h.deal,
          field: h.field,
          changed_at: h.at,
          value: h.value,
        })),
      )
      .execute();
  }
  if (s.splits?.length) {
    await db
      .insertInto('deal_splits')
      .values(
        s.splits.map((x) => ({ connection_id: c, deal_id: x.deal, owner_id: x.owner, percent: x.percent })),
      )
      .execute();
  }
  if (s.quotas?.length) {
    await db
      .insertInto('quotas')
      .values(
        s.quotas.map((q) => ({
          connection_id: c,
          owner_id: q.owner ?? null,
          team_id: q.team ?? null,
          month: q.month,
          amount: q.amount,
          currency: 'USD',
          source: q.source ?? 'csv',
          source_ref: 'test',
        })),
      )
      .execute();
  }
}

const months = (
  owner: string | undefined,
  team: string | undefined,
  list: readonly [string, number][],
  source: 'csv' | 'crm' = 'csv',
) => list.map(([month, amount]) => ({ owner, team, month, amount, source }));

/**
 * The 2026-Q3 scenario (America/New_York, fiscal year = calendar year; Q3 = Jul 1..Sep 30,
 * 66 working days). Every expected number in the tests is derived in comments from this data.
 *
 * Quotas: alice CSV 30k × Jul/Aug/Sep = 90k (a CRM 50k July row is overridden by the CSV row);
 * bob CRM only 20k × 3 = 60k; dave joined 2026-08-17: 30k for Aug 17..Sep 30 spread by working
 * days (Aug 17..31 = 11, Sep = 22; 30k × 11/33 = 10k Aug, 20k Sep); erin 10k × 3 = 30k; carol none.
 * Team East (alice, bob) has an explicit 250k quota; West (carol, dave, erin) none.
 */
export const Q3: Seed = {
  owners: [
    { id: 'a', email: 'alice@example.com', name: 'Alice Ames' },
    { id: 'b', email: 'bob@example.com', name: 'Bob Brown' },
    { id: 'c', email: 'carol@example.com', name: 'Carol Chen' },
    { id: 'd', email: 'dave@example.com', name: 'Dave Diaz' },
    { id: 'e', email: 'erin@example.com', name: 'Erin Eze' },
  ],
  teams: [
    { id: 'east', name: 'East', members: ['a', 'b'] },
    { id: 'west', name: 'West', members: ['c', 'd', 'e'] },
  ],
  deals: [
    // Won at 23:59:59 New York time on the quarter's last day (03:59:59Z on Oct 1): Q3.
    { id: 'D1', owner: 'a', stage: 'w', amount: 40_000, closeDate: '2026-09-30' },
    // Booked in EUR: the home-currency amount counts.
    { id: 'D2', owner: 'a', stage: 'w', amount: 20_000, amountHome: 22_000, closeDate: '2026-07-15' },
    // Won by bob on Aug 10, reassigned to carol on Sep 1: credit stays with bob.
    { id: 'D3', owner: 'c', stage: 'w', amount: 30_000, closeDate: '2026-08-10' },
    // Split 60/40 alice/bob.
    { id: 'D4', owner: 'a', stage: 'w', amount: 10_000, closeDate: '2026-09-01' },
    { id: 'D5', owner: 'c', stage: 'w', amount: 5_000, closeDate: '2026-07-20' },
    { id: 'D6', owner: 'd', stage: 'w', amount: 35_000, closeDate: '2026-09-15' },
    // Q4, lost, deleted: none counts.
    { id: 'D7', owner: 'a', stage: 'w', amount: 99_999, closeDate: '2026-10-01' },
    { id: 'D8', owner: 'a', stage: 'l', amount: 8_000, closeDate: '2026-08-05' },
    { id: 'D11', owner: 'a', stage: 'w', amount: 100_000, closeDate: '2026-08-01', deleted: true },
    // Open, due in Q3: bob 50k × 0.6 = 30k weighted; alice 10k × 0.2 = 2k weighted.
    { id: 'D9', owner: 'b', stage: 'p', amount: 50_000, closeDate: '2026-09-20' },
    { id: 'D10', owner: 'a', stage: 'q', amount: 10_000, closeDate: '2026-09-25' },
  ],
  history: [
    { deal: 'D1', field: 'stage', at: '2026-06-01T14:00:00Z', value: 'q' },
    { deal: 'D1', field: 'stage', at: '2026-10-01T03:59:59Z', value: 'w' },
    { deal: 'D3', field: 'owner', at: '2026-06-01T14:00:00Z', value: 'b' },
    { deal: 'D3', field: 'stage', at: '2026-06-01T14:00:00Z', value: 'q' },
    { deal: 'D3', field: 'stage', at: '2026-07-01T14:00:00Z', value: 'p' },
    { deal: 'D3', field: 'stage', at: '2026-08-10T15:00:00Z', value: 'w' },
    { deal: 'D3', field: 'owner', at: '2026-09-01T15:00:00Z', value: 'c' },
  ],
  splits: [
    { deal: 'D4', owner: 'a', percent: 60 },
    { deal: 'D4', owner: 'b', percent: 40 },
  ],
  quotas: [
    ...months('a', undefined, [
      ['2026-07-01', 30_000],
      ['2026-08-01', 30_000],
      ['2026-09-01', 30_000],
    ]),
    ...months('a', undefined, [['2026-07-01', 50_000]], 'crm'),
    ...months(
      'b',
      undefined,
      [
        ['2026-07-01', 20_000],
        ['2026-08-01', 20_000],
        ['2026-09-01', 20_000],
      ],
      'crm',
    ),
    ...months('d', undefined, [
      ['2026-08-01', 10_000],
      ['2026-09-01', 20_000],
    ]),
    ...months('e', undefined, [
      ['2026-07-01', 10_000],
      ['2026-08-01', 10_000],
      ['2026-09-01', 10_000],
    ]),
    // Outside Q3: must not count.
    ...months('a', undefined, [['2026-10-01', 70_000]]),
    ...months(undefined, 'east', [
      ['2026-07-01', 100_000],
      ['2026-08-01', 75_000],
      ['2026-09-01', 75_000],
    ]),
  ],
};
