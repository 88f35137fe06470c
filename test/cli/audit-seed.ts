import type { Db } from '../../src/db.js';

/**
 * A realistic July for the audit tests and the committed screenshot (America/Chicago):
 * seven reps with different capacities, Chloe away 13–24 July, Farid joining on the 15th at
 * half weight, Ben favoured 1.8×, Erin handed the best leads, a queue every lead passes
 * through first, and a deactivated rep who still got three leads. Seeded, so identical on
 * every run.
 */
export const TEAM = [
  { id: 'ana', first: 'Ana', last: 'Lopez', windows: [[1, null, null]] },
  { id: 'ben', first: 'Ben', last: 'Okafor', windows: [[1, null, null]] },
  {
    id: 'chloe',
    first: 'Chloe',
    last: 'Martin',
    windows: [
      [1, null, '2026-07-12'],
      [1, '2026-07-25', null],
    ],
  },
  { id: 'dev', first: 'Dev', last: 'Patel', windows: [[2, null, null]] },
  { id: 'erin', first: 'Erin', last: 'Walsh', windows: [[1, null, null]] },
  { id: 'farid', first: 'Farid', last: 'Haddad', windows: [[0.5, '2026-07-15', null]] },
  { id: 'grace', first: 'Grace', last: 'Kim', windows: [[1, null, null]] },
] as const;

export const SETTINGS_CSV = [
  'owner_email,lead_weight,available_from,available_to',
  ...TEAM.flatMap((rep) =>
    rep.windows.map(([w, from, to]) => `${rep.id}@acme.example,${w},${from ?? ''},${to ?? ''}`),
  ),
].join('\n');

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function available(rep: (typeof TEAM)[number], day: string): number {
  for (const [w, from, to] of rep.windows) {
    if ((from === null || from <= day) && (to === null || to >= day)) return w;
  }
  return 0;
}

export async function seedJuly(
  db: Db,
  connectionId: number,
): Promise<{ leads: number; assignments: number }> {
  const random = mulberry32(7);
  const owner = (
    id: string,
    first: string,
    last: string,
    extra: { active?: boolean; queue?: boolean } = {},
  ) => ({
    connection_id: connectionId,
    external_id: id,
    email: `${id}@acme.example`,
    first_name: first,
    last_name: last,
    active: extra.active ?? true,
    is_queue: extra.queue ?? false,
    user_id: null,
    manager_id: null,
    crm_created_at: null,
    crm_updated_at: null,
  });
  await db
    .insertInto('owners')
    .values([
      ...TEAM.map((r) => owner(r.id, r.first, r.last)),
      owner('inbound', 'Inbound', 'queue', { queue: true }),
      owner('hugo', 'Hugo', 'Brandt', { active: false }),
    ])
    .execute();
  const leads: { id: string; score: number | null; day: string; hour: number; owner: string }[] = [];
  for (let d = 1; d <= 31; d++) {
    const day = `2026-07-${String(d).padStart(2, '0')}`;
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    const count = weekday === 0 || weekday === 6 ? 6 : 30;
    const odds = TEAM.map((rep) => available(rep, day) * (rep.id === 'ben' ? 1.8 : 1));
    const total = odds.reduce((a, b) => a + b, 0);
    for (let i = 0; i < count; i++) {
      let r = random() * total;
      let k = 0;
      while (r >= odds[k]! && k < odds.length - 1) r -= odds[k++]!;
      const rep = TEAM[k]!;
      const q = random();
      const pHigh = rep.id === 'erin' ? 0.65 : 0.22;
      const score = q < 0.04 ? null : q < pHigh ? 85 : q < pHigh + 0.4 ? 55 : 20;
      leads.push({
        id: `L${leads.length + 1}`,
        score,
        day,
        hour: 14 + Math.floor(random() * 8),
        owner: rep.id,
      });
    }
  }
  for (const [i, day] of ['2026-07-08', '2026-07-16', '2026-07-21'].entries()) {
    leads.push({ id: `L${leads.length + 1}`, score: 85, day, hour: 15 + i, owner: 'hugo' });
  }
  await db
    .insertInto('leads')
    .values(
      leads.map((l) => ({
        connection_id: connectionId,
        external_id: l.id,
        email: null,
        owner_id: l.owner,
        assigned_at: `${l.day}T${l.hour}:00:00Z`,
        score: l.score,
        rating: null,
        source: 'web',
        status: null,
        crm_created_at: null,
        last_modified_at: '2026-08-01T00:00:00Z',
        deleted_at: null,
      })),
    )
    .execute();
  const assignments = leads.flatMap((l) => [
    {
      connection_id: connectionId,
      lead_id: l.id,
      owner_id: 'inbound',
      assigned_at: `${l.day}T${l.hour - 1}:30:00Z`,
      source: 'crm_history' as const,
    },
    {
      connection_id: connectionId,
      lead_id: l.id,
      owner_id: l.owner,
      assigned_at: `${l.day}T${l.hour}:00:00Z`,
      source: 'crm_history' as const,
    },
  ]);
  await db.insertInto('lead_assignments').values(assignments).execute();
  return { leads: leads.length, assignments: assignments.length };
}
