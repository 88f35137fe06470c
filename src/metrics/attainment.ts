import { type RawBuilder, sql } from 'kysely';
import { connectionHolidays } from '../calendar/connection-holidays.js';
import { localDate, type Period } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import {
  inAnalyticsTransaction,
  openPipelineSql,
  repTeamSql,
  wonCreditsSql,
} from '../warehouse/deal-credits.js';
import { effectiveQuotasSql } from '../warehouse/quotas.js';
import { periodPace, runRateProjection } from './run-rate.js';

/**
 * Quota attainment (DESIGN §5). Rules decided here (also in src/metrics/README.md):
 * - Credit: see warehouse/deal-credits.ts (closing owner, or revenue splits by percent).
 * - A deal counts in the period holding its local `close_date`, and only up to the as-of date:
 *   a won deal dated after --as-of is not "closed so far". A period whose last day is on or before
 *   the as-of date is closed: its figures are the warehouse's, whatever --as-of says.
 * - Attainment = credited ÷ quota; null when the rep has no quota or a zero quota.
 * - Team = Σ credited ÷ Σ quota over its reps (each rep counted in one team, see repTeamSql);
 *   the connection's `team` sums every listed rep, including credit of reps without a quota
 *   (Collaborative Forecasts rolls all subordinates' closed amounts up to the manager).
 * - Run rate: closed so far ÷ elapsed working days × working days of the period; the period's
 *   closed amount once it has ended; null before its first working day has elapsed.
 * - Pace also shows closed + weighted open pipeline (amount × stage probability) due in the
 *   period; after the period has ended there is nothing left to weight, so it equals closed.
 */
export interface AttainmentOptions {
  readonly period: Period;
  readonly asOf: Date;
}

export interface RepAttainment {
  readonly ownerId: string;
  readonly ownerEmail: string | null;
  readonly ownerName: string | null;
  readonly teamId: string | null;
  readonly team: string | null;
  readonly quota: number | null;
  readonly closedWon: number;
  readonly attainment: number | null;
  readonly runRateProjection: number | null;
  readonly openPipeline: number;
  readonly weightedPipeline: number;
  readonly closedPlusWeighted: number;
}

export interface TeamAttainment {
  readonly teamId: string;
  readonly name: string;
  /** Σ quota of its reps (null when none has one). */
  readonly quota: number | null;
  readonly closedWon: number;
  readonly attainment: number | null;
  readonly explicitQuota: number | null;
  readonly attainmentVsExplicitQuota: number | null;
  readonly runRateProjection: number | null;
  readonly closedPlusWeighted: number;
}

export interface ConnectionAttainment {
  readonly quota: number | null;
  readonly closedWon: number;
  readonly attainment: number | null;
  /** Reps with a quota at or above 100% ÷ reps with a quota; null when no rep has one. */
  readonly shareAtOrAbove100: number | null;
  readonly runRateProjection: number | null;
  readonly weightedPipeline: number;
  readonly closedPlusWeighted: number;
}

export interface AttainmentReport {
  readonly period: Period;
  readonly currency: string | null;
  readonly asOf: string;
  readonly closed: boolean;
  readonly workingDays: { readonly elapsed: number; readonly total: number };
  readonly reps: readonly RepAttainment[];
  readonly team: ConnectionAttainment;
  readonly teams: readonly TeamAttainment[];
}

/** Dates that bound a computation: the as-of day, whether the period has ended, the last close date counted. */
export function periodCutoff(period: Period, asOf: Date, timeZone: string) {
  const asOfDate = localDate(asOf, timeZone);
  const closed = asOfDate >= period.end;
  return { asOfDate, closed, cutoff: closed ? period.end : asOfDate };
}

/**
 * Per rep in the period: owner_id, quota (null: none), closed_won, open_pipeline,
 * weighted_pipeline, attainment (null unless quota > 0). Reps = owners with a quota or a credit.
 */
export function repAttainmentSql(
  connectionId: number,
  period: Period,
  cutoff: string,
  closed: boolean,
): RawBuilder<unknown> {
  // A pipeline range that selects nothing once the period is over (see the doc comment above).
  const pipeTo = closed ? '0001-01-01' : period.end;
  return sql`
    with q as (
      select e.owner_id, e.quota from (${effectiveQuotasSql(connectionId, period.start, period.end)}) e
      where e.owner_id is not null
    ),
    cr as (
      select x.owner_id, sum(x.credit) as closed_won from (${wonCreditsSql(connectionId, period.start, cutoff)}) x
      where x.owner_id is not null group by x.owner_id
    ),
    pp as (
      select p.owner_id, sum(p.amount) as open_amount, sum(p.weighted) as weighted
      from (${openPipelineSql(connectionId, period.start, pipeTo)}) p
      where p.owner_id is not null group by p.owner_id
    ),
    reps as (select owner_id from q union select owner_id from cr)
    select r.owner_id, q.quota, coalesce(cr.closed_won, 0) as closed_won,
           coalesce(pp.open_amount, 0) as open_pipeline, coalesce(pp.weighted, 0) as weighted_pipeline,
           case when q.quota > 0 then coalesce(cr.closed_won, 0) / q.quota end as attainment
    from reps r
    left join q on q.owner_id = r.owner_id
    left join cr on cr.owner_id = r.owner_id
    left join pp on pp.owner_id = r.owner_id`;
}

interface RepRow {
  owner_id: string;
  quota: string | null;
  closed_won: string;
  open_pipeline: string;
  weighted_pipeline: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  team_id: string | null;
  team_name: string | null;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));
const ratio = (part: number, whole: number | null): number | null =>
  whole !== null && whole > 0 ? part / whole : null;

export async function computeAttainment(
  db: Db,
  connection: Connection,
  options: AttainmentOptions,
): Promise<AttainmentReport> {
  const { period } = options;
  const bounds = periodCutoff(period, options.asOf, connection.timeZone);
  const { asOfDate, closed, cutoff } = bounds;
  const pace = periodPace(period, bounds, connectionHolidays(connection));
  const { elapsed, total } = pace;
  const runRate = (closedWon: number): number | null => runRateProjection(closedWon, pace);

  const { rows, explicit, pipeline } = await inAnalyticsTransaction(db, async (trx) => ({
    rows: (
      await sql<RepRow>`
    select a.owner_id, a.quota, a.closed_won, a.open_pipeline, a.weighted_pipeline,
           o.email, o.first_name, o.last_name, rt.team_id, rt.team_name
    from (${repAttainmentSql(connection.id, period, cutoff, closed)}) a
    left join owners o on o.connection_id = ${connection.id} and o.external_id = a.owner_id
    left join (${repTeamSql(connection.id)}) rt on rt.owner_id = a.owner_id
    order by lower(coalesce(o.email, a.owner_id)), a.owner_id`.execute(trx)
    ).rows,
    explicit: await sql<{ team_id: string; name: string; quota: string }>`
      select e.team_id, t.name, e.quota
      from (${effectiveQuotasSql(connection.id, period.start, period.end)}) e
      join teams t on t.connection_id = ${connection.id} and t.external_id = e.team_id`.execute(trx),
    // Every owner's open pipeline, not only listed reps': a rep with pipeline but no quota and
    // no win yet is still in the team's closed + weighted (and in the forecast's).
    pipeline: await sql<{ weighted: string | null }>`
      select sum(p.weighted) as weighted
      from (${openPipelineSql(connection.id, period.start, closed ? '0001-01-01' : period.end)}) p
      where p.owner_id is not null`.execute(trx),
  }));

  const reps: RepAttainment[] = rows.map((r) => {
    const quota = num(r.quota);
    const closedWon = Number(r.closed_won);
    const weighted = Number(r.weighted_pipeline);
    const name = [r.first_name, r.last_name].filter(Boolean).join(' ');
    return {
      ownerId: r.owner_id,
      ownerEmail: r.email,
      ownerName: name === '' ? null : name,
      teamId: r.team_id,
      team: r.team_name,
      quota,
      closedWon,
      attainment: ratio(closedWon, quota),
      runRateProjection: runRate(closedWon),
      openPipeline: Number(r.open_pipeline),
      weightedPipeline: weighted,
      closedPlusWeighted: closedWon + weighted,
    };
  });

  const sumQuota = (list: readonly RepAttainment[]): number | null =>
    list.some((r) => r.quota !== null) ? list.reduce((s, r) => s + (r.quota ?? 0), 0) : null;
  const sum = (list: readonly RepAttainment[], pick: (r: RepAttainment) => number): number =>
    list.reduce((s, r) => s + pick(r), 0);

  const teamIds = new Map<string, string>();
  for (const r of reps) if (r.teamId !== null) teamIds.set(r.teamId, r.team as string);
  for (const e of explicit.rows) teamIds.set(e.team_id, e.name);
  const teams: TeamAttainment[] = [...teamIds]
    .map(([teamId, name]) => {
      const members = reps.filter((r) => r.teamId === teamId);
      const quota = sumQuota(members);
      const closedWon = sum(members, (r) => r.closedWon);
      const explicitRow = explicit.rows.find((e) => e.team_id === teamId);
      const explicitQuota = explicitRow ? Number(explicitRow.quota) : null;
      return {
        teamId,
        name,
        quota,
        closedWon,
        attainment: ratio(closedWon, quota),
        explicitQuota,
        attainmentVsExplicitQuota: ratio(closedWon, explicitQuota),
        runRateProjection: runRate(closedWon),
        closedPlusWeighted: sum(members, (r) => r.closedPlusWeighted),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  const withQuota = reps.filter((r) => r.quota !== null && r.quota > 0);
  const quota = sumQuota(reps);
  const closedWon = sum(reps, (r) => r.closedWon);
  const weightedPipeline = Number(pipeline.rows[0]?.weighted ?? 0);
  return {
    period,
    currency: connection.currency,
    asOf: asOfDate,
    closed,
    workingDays: { elapsed, total },
    reps,
    team: {
      quota,
      closedWon,
      attainment: ratio(closedWon, quota),
      shareAtOrAbove100:
        withQuota.length > 0
          ? withQuota.filter((r) => (r.attainment ?? 0) >= 1).length / withQuota.length
          : null,
      runRateProjection: runRate(closedWon),
      weightedPipeline,
      closedPlusWeighted: closedWon + weightedPipeline,
    },
    teams,
  };
}
