import { type Period, parsePeriod, periodContaining } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { compDirectory, creditedDeals, dealStates, quotasOver } from '../warehouse/comp-inputs.js';
import { closedPeriods, statementsIn } from '../warehouse/comp-statements.js';
import { type AdjustmentInsert, planVersion, postCorrections } from '../warehouse/comp-tables.js';
import { centsToDecimal } from '../warehouse/money.js';
import type { CreditedDeal } from './comp-model.js';
import { type DealChange, restate } from './restatement.js';
import { cents, creditOf, parsedPlan, readStoredInputs, teamMeasure } from './statement-inputs.js';

/**
 * Restatement of closed periods (DESIGN §12), run by the comp step before it computes the open
 * statements: every closed statement is compared with what the warehouse says of its period now
 * (the rep's credits and quota, the team's deals); each changed deal becomes a restatement or
 * clawback line (the core's `restate`) posted into the rep's current payout period, which the
 * open statement then shows. The closed statement itself is never touched. Each line is posted
 * once (comp-tables.ts), so a re-run posts nothing.
 */
const share = (c: CreditedDeal | undefined): string =>
  c === undefined ? '' : `${c.amountCents}|${c.share}|${c.closeDate}`;

export async function restateClosedPeriods(db: Db, connection: Connection, today: string): Promise<number> {
  const c = connection.id;
  const closed = await closedPeriods(db, c);
  if (closed.size === 0) return 0;
  const { teamNames } = await compDirectory(db, c);
  const lines: AdjustmentInsert[] = [];
  for (const key of closed.keys()) {
    const period: Period = parsePeriod(key, connection);
    const statements = await statementsIn(db, c, key);
    if (statements.length === 0) continue;
    const byOwner = new Map<string, CreditedDeal[]>();
    for (const row of await creditedDeals(db, c, period.start, period.end))
      byOwner.set(row.owner_id, [...(byOwner.get(row.owner_id) ?? []), creditOf(row)]);
    const quotas = await quotasOver(db, c, period.start, period.end);
    for (const statement of statements) {
      const version = await planVersion(db, statement.plan_name, statement.plan_hash);
      if (!version) continue;
      const plan = parsedPlan(version.yaml, version.name);
      const current = periodContaining(plan.payoutPeriod, today, connection);
      // Lines land in the first open statement; a current period already closed waits for the next.
      if (closed.has(current.key) || current.key === key) continue;
      const { inputs, teamDeals } = readStoredInputs(statement.inputs, plan);
      const lastDay = inputs.assignment.end < period.end ? inputs.assignment.end : period.end;
      const team = await teamMeasure(db, c, statement.owner_id, lastDay, { byOwner, quotas, teamNames });
      const credits = byOwner.get(statement.owner_id) ?? [];
      const before = new Map(inputs.credits.map((x) => [x.dealId, x]));
      const after = new Map(credits.map((x) => [x.dealId, x]));
      const ids = [
        ...new Set([...before.keys(), ...after.keys(), ...teamDeals.keys(), ...team.deals.keys()]),
      ];
      const changed = ids.filter(
        (id) =>
          share(before.get(id)) !== share(after.get(id)) ||
          (teamDeals.get(id) ?? 0n) !== (team.deals.get(id) ?? 0n),
      );
      const states = await dealStates(db, c, changed);
      const changes: DealChange[] = changed.map((dealId) => {
        const now = states.get(dealId);
        const wasCounted = before.has(dealId) || teamDeals.has(dealId);
        return {
          dealId,
          kind:
            wasCounted && now?.state === 'lost'
              ? 'lost'
              : wasCounted && now?.state === 'deleted'
                ? 'deleted'
                : 'changed',
          closeDate: before.get(dealId)?.closeDate ?? now?.closeDate ?? period.end,
          changedOn: today,
          teamDeltaCents:
            inputs.team === null ? 0n : (team.deals.get(dealId) ?? 0n) - (teamDeals.get(dealId) ?? 0n),
        };
      });
      const result = restate(
        inputs,
        { credits, quotaCents: cents(quotas.byOwner.get(statement.owner_id) ?? null), team: team.measure },
        changes,
      );
      for (const line of result.lines)
        lines.push({
          connection_id: c,
          owner_id: statement.owner_id,
          period_key: current.key,
          kind: line.kind === 'clawback' ? 'clawback' : 'restatement',
          amount: centsToDecimal(line.amountCents),
          reason: line.reason,
          deal_id: line.dealId,
          source_period: key,
        });
    }
  }
  return postCorrections(db, lines);
}
