import { addDays, type Period, shiftPeriod } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { computeAttainment } from '../metrics/attainment.js';
import { leadRecipientsSince } from '../warehouse/lead-tables.js';
import { activeRepsWithTeams } from '../warehouse/owner-tables.js';

/**
 * What a sales-ops admin would load on day one, derived from the CRM's own history so the
 * numbers are plausible for the generated company: each rep's quarterly quota is their average
 * credited bookings per quarter over the last year, counted only over the time they were with the
 * company (a rep who joined in August is not averaged over four quarters, which once gave a 78,000
 * quota beside 400,000 peers and a 555% attainment), plus 10% growth (rounded to 1,000); credit is
 * the attainment report's own (computeAttainment), so plan and report cannot disagree on who sold what. A team's explicit
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
  asOf: Date,
): Promise<QuotaPlanRow[]> {
  const history = [-4, -3, -2, -1].map((n) => shiftPeriod(current, n, connection));
  const quarters = [shiftPeriod(current, -1, connection), current, shiftPeriod(current, 1, connection)];
  const reps = await activeRepsWithTeams(db, connection.id, connection.timeZone);
  const credited = await Promise.all(
    history.map(async (period) => {
      const report = await computeAttainment(db, connection, { period, asOf });
      return new Map(report.reps.map((r) => [r.ownerEmail, r.closedWon]));
    }),
  );
  const rows: QuotaPlanRow[] = [];
  const teamTotals = new Map<string, number>();
  for (const rep of reps) {
    const rate = quarterlyRate(
      history.map((period, i) => ({ period, closedWon: credited[i]?.get(rep.email) ?? 0 })),
      rep.joined,
    );
    if (rate === null || rate <= 0) continue;
    const quarterly = Math.max(10_000, Math.round((rate * 1.1) / 1000) * 1000);
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

/**
 * Bookings per quarter of tenure: quarters before the rep joined do not count, and the quarter
 * they joined in counts for the share of it they were there (at least a quarter of it, so a
 * lucky first week does not become a whole quarter's pace). Null when they joined after them all.
 */
export function quarterlyRate(
  quarters: readonly { period: Period; closedWon: number }[],
  joined: string | null,
): number | null {
  let booked = 0;
  let tenure = 0;
  for (const { period, closedWon } of quarters) {
    const from = joined && joined > period.start ? joined : period.start;
    if (from > period.end) continue;
    const share = (daysBetween(from, period.end) + 1) / (daysBetween(period.start, period.end) + 1);
    booked += closedWon;
    tenure += Math.max(0.25, share);
  }
  return tenure === 0 ? null : booked / tenure;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
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
  const rows = await leadRecipientsSince(db, connection.id, connection.timeZone, since);
  return rows.map((r) => ({
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
