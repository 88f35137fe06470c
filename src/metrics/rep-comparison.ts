import { sql } from 'kysely';
import { addDays, monthStart, type Period } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { closedDealsSql, inAnalyticsTransaction } from '../warehouse/deal-credits.js';
import { periodCutoff, repAttainmentSql } from './attainment.js';
import { isOutlier, wilsonInterval } from './rep-comparison-stats.js';

/**
 * Rep comparison (DESIGN §5). Rules decided here (also in src/metrics/README.md):
 * - Window: the 12 months ending on the period's last day — the 4 fiscal quarters ending with a
 *   quarter, the fiscal year itself for a year, the trailing 12 months for a month — cut at the
 *   as-of date. Twelve months of closed deals give most reps enough outcomes for an interval
 *   that says something; a quarter alone rarely does.
 * - Won/lost: deals closed (close_date) in the window, counted for the owner who closed them
 *   (warehouse/deal-credits.ts); splits do not split a win. Win rate = won ÷ (won + lost), with a 95%
 *   Wilson interval; outlier when the interval excludes the team rate (Σ won ÷ Σ closed).
 * - Median won deal size: the whole deal amount (home currency) of the rep's won deals.
 * - Median cycle: close_date − local created date, in days, of won deals (Salesforce's "Age"
 *   of a closed opportunity).
 * - Stage conversion: over the window's closed deals, per pipeline, a deal reached open stage k
 *   when its history (or its entry into the pipeline: every deal reached the first stage) shows
 *   stage k or a later open stage; a won deal passed every open stage. Conversion k → next =
 *   reached(next) ÷ reached(k); the last open stage converts into won.
 * - Coverage: open pipeline due in the reported period (unweighted, splits applied) ÷ remaining
 *   quota (quota − closed so far); null without remaining quota or once the period has ended.
 */
export interface StageConversion {
  readonly pipelineId: string;
  /** The pipeline's name in the CRM (its id when the pipeline row is gone). */
  readonly pipelineLabel: string;
  readonly fromStage: string;
  readonly toStage: string;
  readonly reached: number;
  readonly advanced: number;
  readonly rate: number | null;
}

export interface RepComparison {
  readonly ownerId: string;
  readonly ownerEmail: string | null;
  readonly ownerName: string | null;
  readonly won: number;
  readonly lost: number;
  readonly winRate: number | null;
  readonly winRateLow: number | null;
  readonly winRateHigh: number | null;
  readonly medianDealSize: number | null;
  readonly medianCycleDays: number | null;
  readonly coverage: number | null;
  readonly outlier: boolean;
  readonly conversion: readonly StageConversion[];
}

export interface RepComparisonReport {
  readonly period: Period;
  readonly window: { readonly start: string; readonly end: string };
  readonly currency: string | null;
  readonly asOf: string;
  readonly team: {
    readonly won: number;
    readonly lost: number;
    readonly winRate: number | null;
    readonly medianDealSize: number | null;
    readonly medianCycleDays: number | null;
    readonly conversion: readonly StageConversion[];
  };
  readonly reps: readonly RepComparison[];
}

/** The trailing window for a period: the 12 months ending on its last day. */
export function comparisonWindow(period: Period): { start: string; end: string } {
  const [year, month] = period.end.split('-').map(Number) as [number, number];
  return { start: monthStart(year, month - 11), end: period.end };
}

interface OutcomeRow {
  owner_id: string | null;
  is_team: boolean;
  won: number;
  lost: number;
  median_won: string | null;
  median_cycle: string | null;
}

interface ReachRow {
  owner_id: string | null;
  is_team: boolean;
  pipeline_id: string;
  pipeline_label: string;
  stage_id: string;
  label: string;
  display_order: number;
  reached: number;
  won: number;
}

function conversions(rows: readonly ReachRow[]): StageConversion[] {
  const byPipeline = new Map<string, ReachRow[]>();
  for (const r of rows) byPipeline.set(r.pipeline_id, [...(byPipeline.get(r.pipeline_id) ?? []), r]);
  const out: StageConversion[] = [];
  for (const [pipelineId, stages] of byPipeline) {
    stages.sort((a, b) => a.display_order - b.display_order || a.stage_id.localeCompare(b.stage_id));
    stages.forEach((stage, i) => {
      const next = stages[i + 1];
      const advanced = next ? next.reached : stage.won;
      out.push({
        pipelineId,
        pipelineLabel: stage.pipeline_label,
        fromStage: stage.label,
        toStage: next ? next.label : 'won',
        reached: stage.reached,
        advanced,
        rate: stage.reached > 0 ? advanced / stage.reached : null,
      });
    });
  }
  return out;
}

export async function computeRepComparison(
  db: Db,
  connection: Connection,
  options: { readonly period: Period; readonly asOf: Date },
): Promise<RepComparisonReport> {
  const { period } = options;
  const c = connection.id;
  const { asOfDate, closed, cutoff } = periodCutoff(period, options.asOf, connection.timeZone);
  const window = comparisonWindow(period);
  // cutoff ≤ period.end = window.end, so the window always ends at the cutoff.
  const windowTo = cutoff;
  const deals = closedDealsSql({ connectionId: c, from: window.start, to: windowTo, wonOnly: false });

  // The window's closed deals are resolved once (closing owner included) and read by both the
  // outcome and the stage-reach aggregate.
  const { outcomes, reach, coverageRows } = await inAnalyticsTransaction(db, async (trx) => {
    await sql`drop table if exists salesops_cmp_closed`.execute(trx);
    await sql`create temp table salesops_cmp_closed on commit drop as
      select * from (${deals}) x where x.owner_id is not null`.execute(trx);
    await sql`analyze salesops_cmp_closed`.execute(trx);
    const outcomes = await sql<OutcomeRow>`
      select cd.owner_id, grouping(cd.owner_id) = 1 as is_team,
             (count(*) filter (where cd.is_won))::int as won,
             (count(*) filter (where not cd.is_won))::int as lost,
             percentile_cont(0.5) within group (order by cd.amount) filter (where cd.is_won) as median_won,
             percentile_cont(0.5) within group (
               order by cd.close_date - (cd.crm_created_at at time zone ${connection.timeZone})::date
             ) filter (where cd.is_won and cd.crm_created_at is not null) as median_cycle
      from salesops_cmp_closed cd
      group by grouping sets ((cd.owner_id), ())`.execute(trx);

    const reach = await sql<ReachRow>`
      with cd as (select * from salesops_cmp_closed),
      furthest as (
        select h.deal_id, max(s.display_order) as display_order
        from deal_history h
        join cd on cd.deal_id = h.deal_id
        join stages s on s.connection_id = h.connection_id and s.external_id = h.value and not s.is_closed
        where h.connection_id = ${c} and h.field = 'stage'
        group by h.deal_id
      ),
      deal_reach as (
        select cd.owner_id, cd.pipeline_id, cd.is_won, coalesce(f.display_order, -2147483648) as furthest
        from cd left join furthest f on f.deal_id = cd.deal_id
      ),
      open_stages as (
        select s.pipeline_id, coalesce(p.label, s.pipeline_id) as pipeline_label, s.external_id, s.label,
               s.display_order,
               s.display_order = min(s.display_order) over (partition by s.pipeline_id) as is_first
        from stages s
        left join pipelines p on p.connection_id = s.connection_id and p.external_id = s.pipeline_id
        where s.connection_id = ${c} and not s.is_closed and not s.is_deleted
      )
      select dr.owner_id, grouping(dr.owner_id) = 1 as is_team, os.pipeline_id, os.pipeline_label,
             os.external_id as stage_id,
             os.label, os.display_order,
             (count(*) filter (where dr.is_won or os.is_first or dr.furthest >= os.display_order))::int as reached,
             (count(*) filter (where dr.is_won))::int as won
      from deal_reach dr
      join open_stages os on os.pipeline_id = dr.pipeline_id
      group by grouping sets (
        (dr.owner_id, os.pipeline_id, os.pipeline_label, os.external_id, os.label, os.display_order),
        (os.pipeline_id, os.pipeline_label, os.external_id, os.label, os.display_order))`.execute(trx);

    const coverageRows = await sql<{
      owner_id: string;
      quota: string | null;
      closed_won: string;
      open_pipeline: string;
    }>`select a.owner_id, a.quota, a.closed_won, a.open_pipeline
       from (${repAttainmentSql(c, period, cutoff, closed)}) a`.execute(trx);
    return { outcomes, reach, coverageRows };
  });

  const teamOutcome = outcomes.rows.find((r) => r.is_team);
  const teamWon = teamOutcome?.won ?? 0;
  const teamClosed = teamWon + (teamOutcome?.lost ?? 0);
  const teamRate = teamClosed > 0 ? teamWon / teamClosed : null;

  const ownerIds = new Set<string>();
  for (const r of outcomes.rows) if (!r.is_team && r.owner_id !== null) ownerIds.add(r.owner_id);
  for (const r of coverageRows.rows) ownerIds.add(r.owner_id);
  const owners = ownerIds.size
    ? await db
        .selectFrom('owners')
        .select(['external_id', 'email', 'first_name', 'last_name'])
        .where('connection_id', '=', c)
        .where('external_id', 'in', [...ownerIds])
        .execute()
    : [];

  const reps: RepComparison[] = [...ownerIds].map((ownerId) => {
    const o = outcomes.rows.find((r) => !r.is_team && r.owner_id === ownerId);
    const won = o?.won ?? 0;
    const lost = o?.lost ?? 0;
    const interval = wilsonInterval(won, won + lost);
    const cov = coverageRows.rows.find((r) => r.owner_id === ownerId);
    const remaining = cov?.quota != null ? Number(cov.quota) - Number(cov.closed_won) : null;
    const owner = owners.find((x) => x.external_id === ownerId);
    const name = [owner?.first_name, owner?.last_name].filter(Boolean).join(' ');
    return {
      ownerId,
      ownerEmail: owner?.email ?? null,
      ownerName: name === '' ? null : name,
      won,
      lost,
      winRate: won + lost > 0 ? won / (won + lost) : null,
      winRateLow: interval?.low ?? null,
      winRateHigh: interval?.high ?? null,
      medianDealSize: o?.median_won != null ? Number(o.median_won) : null,
      medianCycleDays: o?.median_cycle != null ? Number(o.median_cycle) : null,
      coverage:
        !closed && remaining !== null && remaining > 0 ? Number(cov?.open_pipeline ?? 0) / remaining : null,
      outlier: isOutlier(interval, teamRate),
      conversion: conversions(reach.rows.filter((r) => !r.is_team && r.owner_id === ownerId)),
    };
  });
  reps.sort((a, b) => (a.ownerEmail ?? a.ownerId).localeCompare(b.ownerEmail ?? b.ownerId));

  return {
    period,
    window: { start: window.start, end: windowTo < window.start ? addDays(window.start, -1) : windowTo },
    currency: connection.currency,
    asOf: asOfDate,
    team: {
      won: teamWon,
      lost: teamOutcome?.lost ?? 0,
      winRate: teamRate,
      medianDealSize: teamOutcome?.median_won != null ? Number(teamOutcome.median_won) : null,
      medianCycleDays: teamOutcome?.median_cycle != null ? Number(teamOutcome.median_cycle) : null,
      conversion: conversions(reach.rows.filter((r) => r.is_team)),
    },
    reps,
  };
}
