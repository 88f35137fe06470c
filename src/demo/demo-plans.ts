import { sql } from 'kysely';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { addDays, type Period, shiftPeriod } from '../metrics/periods.js';

/**
 * What a sales-ops admin would load on day one, derived from the CRM's own history so the
 * numbers are plausible for the generated company: each rep's quarterly quota is their average
 * quarterly bookings over the last year plus 10% growth (rounded to 1,000), a team's explicit
 * quota is 95% of its reps' (managers rarely carry the full sum), and every rep who received a
 * lead in the last year is in the lead rotation at weight 1.
 */
export interface QuotaPlanRow {
  readonly ownerEmail: string | null;
  readonly teamName: string | null;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly amount: number;
}

export async function planDemoQuotas(
  db: Db,
  connection: Connection,
  current: Period,
): Promise<QuotaPlanRow[]> {
  const yearAgo = shiftPeriod(current, -4, connection);
  const lastQuarter = shiftPeriod(current, -1, connection);
  const quarters = [shiftPeriod(current, -1, connection), current, shiftPeriod(current, 1, connection)];
  const reps = await sql<{ email: string; team: string | null; booked: string }>`
    select o.email, t.name as team, coalesce(sum(coalesce(d.amount_home, d.amount)) filter (where s.is_won), 0) as booked
    from owners o
    left join owner_teams ot on ot.connection_id = o.connection_id and ot.owner_id = o.external_id and ot.is_primary
    left join teams t on t.connection_id = o.connection_id and t.external_id = ot.team_id
    left join deals d on d.connection_id = o.connection_id and d.owner_id = o.external_id and not d.is_deleted
      and d.close_date between ${yearAgo.start}::date and ${lastQuarter.end}::date
    left join stages s on s.connection_id = d.connection_id and s.external_id = d.stage_id
    where o.connection_id = ${connection.id} and o.active and not o.is_queue and o.email is not null
    group by o.email, t.name
    order by o.email`.execute(db);
  const rows: QuotaPlanRow[] = [];
  const teamTotals = new Map<string, number>();
  for (const rep of reps.rows) {
    const booked = Number(rep.booked);
    if (booked <= 0) continue;
    const quarterly = Math.max(10_000, Math.round(((booked / 4) * 1.1) / 1000) * 1000);
    for (const q of quarters) {
      rows.push({
        ownerEmail: rep.email,
        teamName: null,
        periodStart: q.start,
        periodEnd: q.end,
        amount: quarterly,
      });
    }
    if (rep.team) teamTotals.set(rep.team, (teamTotals.get(rep.team) ?? 0) + quarterly);
  }
  for (const [team, total] of teamTotals) {
    for (const q of quarters) {
      rows.push({
        ownerEmail: null,
        teamName: team,
        periodStart: q.start,
        periodEnd: q.end,
        amount: Math.round((total * 0.95) / 1000) * 1000,
      });
    }
  }
  return rows;
}

export interface RotationRow {
  readonly email: string;
  /** Inclusive days the rep took leads; null = open-ended. */
  readonly from: string | null;
  readonly to: string | null;
}

/**
 * Everyone who received leads in the last year is in the rotation at weight 1, available from
 * their first lead if they joined during the year, and until their last one if they have left:
 * the joiner and leaver windows an admin would enter, so nobody is expected to take leads
 * before they started or after they left.
 */
export async function planDemoRotation(
  db: Db,
  connection: Connection,
  asOfDate: string,
): Promise<RotationRow[]> {
  const since = addDays(asOfDate, -365);
  const rows = await sql<{ email: string; active: boolean; first: string; last: string }>`
    select o.email, o.active,
           min((la.assigned_at at time zone ${connection.timeZone})::date)::text as first,
           max((la.assigned_at at time zone ${connection.timeZone})::date)::text as last
    from lead_assignments la
    join owners o on o.connection_id = la.connection_id and o.external_id = la.owner_id
    where la.connection_id = ${connection.id} and la.assigned_at >= ${since}::date
      and not o.is_queue and o.email is not null
    group by o.email, o.active
    order by o.email`.execute(db);
  return rows.rows.map((r) => ({
    email: r.email,
    from: r.first > addDays(since, 30) ? r.first : null,
    to: r.active ? null : r.last,
  }));
}
export function quotasCsv(rows: readonly QuotaPlanRow[]): { reps: string; teams: string } {
  const reps = rows.filter((r) => r.ownerEmail);
  const teams = rows.filter((r) => r.teamName);
  return {
    reps: [
      'owner_email,period_start,period_end,amount',
      ...reps.map((r) => `${r.ownerEmail},${r.periodStart},${r.periodEnd},${r.amount}`),
    ].join('\n'),
    teams: [
      'team_name,period_start,period_end,amount',
      ...teams.map(
        (r) => `"${(r.teamName ?? '').replace(/"/g, '""')}",${r.periodStart},${r.periodEnd},${r.amount}`,
      ),
    ].join('\n'),
  };
}

export function rotationCsv(rows: readonly RotationRow[]): string {
  return [
    'owner_email,lead_weight,available_from,available_to',
    ...rows.map((r) => `${r.email},1,${r.from ?? ''},${r.to ?? ''}`),
  ].join('\n');
}
