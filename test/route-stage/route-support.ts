import type { Db } from '../../src/db.js';

/** Helpers of the route-stage suites: the warehouse side of what routing decided. */

export interface DecisionRow {
  readonly lead_id: string;
  readonly hop: number;
  readonly pool: string;
  readonly chosen_email: string | null;
  readonly chosen_owner_id: string | null;
  readonly write_outcome: string;
  readonly write_error: string | null;
  readonly speed_to_lead_seconds: string | null;
}

export async function decisions(db: Db, connectionId: number): Promise<DecisionRow[]> {
  return db
    .selectFrom('routing_decisions')
    .select([
      'lead_id',
      'hop',
      'pool',
      'chosen_email',
      'chosen_owner_id',
      'write_outcome',
      'write_error',
      'speed_to_lead_seconds',
    ])
    .where('connection_id', '=', connectionId)
    .orderBy('lead_created_at')
    .orderBy('lead_id')
    .orderBy('hop')
    .execute();
}

/** Two active reps (people, with an email and a CRM user), in email order. */
export async function twoReps(
  db: Db,
  connectionId: number,
): Promise<{ id: string; userId: string; email: string }[]> {
  const rows = await db
    .selectFrom('owners')
    .select(['external_id', 'user_id', 'email'])
    .where('connection_id', '=', connectionId)
    .where('active', '=', true)
    .where('is_queue', '=', false)
    .where('is_deleted', '=', false)
    .where('email', 'is not', null)
    .where('user_id', 'is not', null)
    .orderBy('email')
    .execute();
  return rows.slice(0, 2).map((r) => ({
    id: r.external_id,
    userId: r.user_id as string,
    email: (r.email as string).toLowerCase(),
  }));
}

/** A rules file with one pool of two members for leads of `source`, and a fallback of the same two. */
export function twoMemberRules(source: string, a: string, b: string, extra = ''): string {
  return [
    `${extra}fallback: Everyone else`,
    'pools:',
    '  - name: Test source',
    '    match:',
    `      - { field: source, equals: ${source} }`,
    `    members: [${a}, ${b}]`,
    '  - name: Everyone else',
    `    members: [${a}, ${b}]`,
    '',
  ].join('\n');
}

/** Reps of a warehouse-only connection (no CRM): owner id, email, and a CRM user each. */
export async function insertReps(
  db: Db,
  connectionId: number,
  reps: readonly { readonly id: string; readonly email: string }[],
): Promise<void> {
  await db
    .insertInto('owners')
    .values(
      reps.map((r) => ({
        connection_id: connectionId,
        external_id: r.id,
        email: r.email,
        first_name: null,
        last_name: null,
        active: true,
        user_id: `u-${r.id}`,
        manager_id: null,
      })),
    )
    .execute();
}

/**
 * Backdates when routing was enabled, so leads with fixed past creation times are "new since
 * the rules" (installing stamps the wall clock).
 */
export async function enableRoutingSince(db: Db, connectionId: number, since: Date): Promise<void> {
  await db
    .updateTable('routing_rules')
    .set({ installed_at: since })
    .where('connection_id', '=', connectionId)
    .execute();
}

export async function insertLead(
  db: Db,
  connectionId: number,
  lead: {
    readonly id: string;
    readonly createdAt: Date;
    readonly email?: string | null;
    readonly source?: string | null;
    readonly ownerId?: string | null;
    readonly status?: string | null;
  },
): Promise<void> {
  await db
    .insertInto('leads')
    .values({
      connection_id: connectionId,
      external_id: lead.id,
      email: lead.email ?? null,
      owner_id: lead.ownerId ?? null,
      assigned_at: null,
      score: null,
      rating: null,
      source: lead.source ?? null,
      status: lead.status ?? null,
      crm_created_at: lead.createdAt,
      last_modified_at: lead.createdAt,
    })
    .execute();
}
