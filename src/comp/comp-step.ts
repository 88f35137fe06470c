import { connectionHolidays } from '../calendar/connection-holidays.js';
import { localDate, type Period, periodContaining, shiftPeriod } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { compDirectory, creditedDeals, quotasOver } from '../warehouse/comp-inputs.js';
import {
  closedPeriods,
  type StatementInsert,
  saveStatements,
  statementsIn,
} from '../warehouse/comp-statements.js';
import { adjustmentsIn, assignmentsOverlapping, latestPlanVersions } from '../warehouse/comp-tables.js';
import {
  type FingerprintTable,
  fingerprintOf,
  saveFingerprint,
  storedFingerprints,
  tableVersions,
} from '../warehouse/compute-fingerprints.js';
import { centsToDecimal } from '../warehouse/money.js';
import { snapshotTeamMemberships } from '../warehouse/team-memberships.js';
import type { AdjustmentLine, CreditedDeal, StatementInputs } from './comp-model.js';
import { restateClosedPeriods } from './comp-restate.js';
import { payoutPeriodsIn, prorate } from './proration.js';
import { computeStatement } from './statement.js';
import { cents, creditOf, parsedPlan, signedCents, storedInputs, teamMeasure } from './statement-inputs.js';

/**
 * The comp step of the compute stage (DESIGN §12), after metrics: snapshots the team
 * memberships of this sync, then computes and stores the statement of every assignment
 * overlapping the open payout periods of the as-of day's quarter that have begun. Closed periods
 * are left alone (their statements never change): what changed in them since their close is
 * posted as restatement and clawback lines into the open period (`comp-restate.ts`).
 */
export interface CompStepOptions {
  readonly asOf: Date;
  /** A replay (--as-of) computes the past; it must not add a team snapshot dated in the past. */
  readonly replay: boolean;
}

export interface CompStepCounts {
  readonly compStatements: number;
  readonly compRestatementLines: number;
  readonly teamMembershipChanges: number;
}

export async function computeCompStatements(
  db: Db,
  connection: Connection,
  options: CompStepOptions,
): Promise<CompStepCounts> {
  const c = connection.id;
  const today = localDate(options.asOf, connection.timeZone);
  const teamMembershipChanges = options.replay ? 0 : await snapshotTeamMemberships(db, c, today);
  // Before the open statements, which show the lines it posts.
  const compRestatementLines = options.replay ? 0 : await restateClosedPeriods(db, connection, today);
  const quarter = periodContaining('quarter', today, connection);
  const assignments = await assignmentsOverlapping(db, c, quarter.start, quarter.end);
  if (assignments.length === 0) return { compStatements: 0, compRestatementLines, teamMembershipChanges };

  const versions = await latestPlanVersions(db, [...new Set(assignments.map((a) => a.plan_name))]);
  const plans = new Map([...versions].map(([name, v]) => [name, { plan: parsedPlan(v.yaml, name) }]));
  const closed = await closedPeriods(db, c);
  const { emails, teamNames } = await compDirectory(db, c);
  const holidays = connectionHolidays(connection);

  const periods = new Map<string, Period>();
  for (const plan of plans.values())
    for (const period of payoutPeriodsIn(plan.plan.payoutPeriod, quarter, connection))
      if (period.start <= today && !closed.has(period.key)) periods.set(period.key, period);

  const rows: StatementInsert[] = [];
  for (const period of periods.values()) {
    const credits = await creditedDeals(db, c, period.start, period.end);
    const byOwner = new Map<string, CreditedDeal[]>();
    for (const row of credits)
      byOwner.set(row.owner_id, [...(byOwner.get(row.owner_id) ?? []), creditOf(row)]);
    const quotas = await quotasOver(db, c, period.start, period.end);
    const adjustments = await adjustmentsIn(db, c, period.key);
    const previous = shiftPeriod(period, -1, connection).key;
    const drawBefore = new Map(
      (await statementsIn(db, c, previous)).map((s) => [s.owner_id, signedCents(String(s.draw_balance))]),
    );
    // The last assignment of a rep in the period decides the plan (one statement per rep and period).
    const current = new Map<string, (typeof assignments)[number]>();
    for (const a of assignments)
      if (a.start_date <= period.end && a.end_date >= period.start) current.set(a.owner_id, a);

    for (const assignment of current.values()) {
      const entry = plans.get(assignment.plan_name);
      const email = emails.get(assignment.owner_id);
      if (!entry || !email || entry.plan.payoutPeriod !== period.grain) continue;
      const plan = entry.plan;
      const lastDay = assignment.end_date < period.end ? assignment.end_date : period.end;
      const team = await teamMeasure(db, c, assignment.owner_id, lastDay, {
        byOwner,
        quotas,
        teamNames,
      });
      const days = prorate({ start: assignment.start_date, end: assignment.end_date }, period, holidays);
      const inputs: StatementInputs = {
        ownerEmail: email,
        plan,
        assignment: {
          ownerEmail: email,
          plan: plan.name,
          start: assignment.start_date,
          end: assignment.end_date,
          targetIncentiveCents: cents(assignment.target_incentive),
          drawCents: cents(assignment.draw),
        },
        period: { key: period.key, start: period.start, end: period.end },
        workingDays: { assigned: days.assigned, period: days.period },
        credits: byOwner.get(assignment.owner_id) ?? [],
        quotaCents: cents(quotas.byOwner.get(assignment.owner_id) ?? null),
        team: team.measure,
        adjustments: adjustments
          .filter((a) => a.owner_id === assignment.owner_id)
          .map(
            (a): AdjustmentLine => ({
              kind: a.kind,
              dealId: a.deal_id,
              period: a.source_period ?? a.period_key,
              amountCents: signedCents(a.amount),
              reason: a.reason,
            }),
          ),
        drawBalanceCents: drawBefore.get(assignment.owner_id) ?? 0n,
      };
      const computed = computeStatement(inputs);
      rows.push({
        connection_id: c,
        period_key: period.key,
        owner_id: assignment.owner_id,
        plan_name: plan.name,
        plan_hash: plan.hash,
        document: JSON.stringify(computed.statement),
        inputs: storedInputs(inputs, team.deals),
        inputs_hash: computed.statement.inputsHash,
        total: centsToDecimal(computed.totalCents),
        draw_balance: centsToDecimal(computed.drawBalanceCents),
      });
    }
  }
  return { compStatements: await saveStatements(db, rows), compRestatementLines, teamMembershipChanges };
}

/** Bump when the comp step's rules change, so statements computed by the old rules are redone. */
const COMP_RULES = 1;
/** What the comp step reads and does not write: credits (deals, splits, stages), quotas, teams, plans. */
const COMP_READS: readonly FingerprintTable[] = [
  'deals',
  'deal_history',
  'deal_splits',
  'stages',
  'pipelines',
  'owners',
  'owner_teams',
  'teams',
  'quotas',
  'comp_plans',
  'comp_assignments',
  'comp_periods',
];
/** What it reads and writes (the team snapshot, statements, posted lines): versioned after it runs. */
const COMP_READS_OWN: readonly FingerprintTable[] = [
  'team_memberships',
  'comp_statements',
  'comp_adjustments',
];

export interface FingerprintedCompOptions extends CompStepOptions {
  readonly runId: number | null;
  /** Run even when the inputs match the last comp step. */
  readonly force?: boolean;
}

/**
 * The comp step as the compute stage runs it: skipped when nothing it reads changed since it last
 * ran (the same fingerprint as the metric steps, `compute_fingerprints`, step `comp`), so a sync
 * that changed nothing recomputes no payout, while a new plan version, assignment, adjustment,
 * close, deal or quota does. The as-of day and the connection's calendar settings are part of it.
 */
export async function compStep(
  db: Db,
  connection: Connection,
  options: FingerprintedCompOptions,
): Promise<CompStepCounts & { computeSkipped_comp?: number }> {
  const [before, stored] = await Promise.all([
    tableVersions(db, connection.id, [...COMP_READS, ...COMP_READS_OWN]),
    storedFingerprints(db, connection.id),
  ]);
  const fingerprint = (own: ReadonlyMap<FingerprintTable, string>) =>
    fingerprintOf([
      'comp',
      String(COMP_RULES),
      localDate(options.asOf, connection.timeZone),
      String(options.replay),
      JSON.stringify([
        connection.timeZone,
        connection.fiscalYearStartMonth,
        connection.currency,
        connection.settings,
      ]),
      ...COMP_READS.map((t) => `${t}=${before.get(t)}`),
      ...COMP_READS_OWN.map((t) => `${t}=${own.get(t)}`),
    ]);
  if (!options.force && stored.get('comp') === fingerprint(before))
    return { compStatements: 0, compRestatementLines: 0, teamMembershipChanges: 0, computeSkipped_comp: 1 };
  const counts = await computeCompStatements(db, connection, options);
  const after = await tableVersions(db, connection.id, COMP_READS_OWN);
  await saveFingerprint(db, connection.id, 'comp', fingerprint(after), options.runId);
  return counts;
}
