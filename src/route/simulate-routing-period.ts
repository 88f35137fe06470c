import { DateTime } from 'luxon';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { InvalidInputError } from '../domain-error.js';
import { activeRoutingRules, leadsCreatedIn, routingOwners } from '../warehouse/routing-tables.js';
import { type PastLead, type SimulationResult, simulateRouting } from './route-simulation.js';
import { membersByPool, routableLead } from './route-stage.js';
import type { RoutingRules } from './routing-model.js';

/**
 * `route simulate` over the warehouse (DESIGN §7, §11): the active rules replayed over every lead
 * created from `from` to `to` (whole days in the connection's zone), beside who has each lead now
 * (a hand reassignment counts for the rep who holds it, as in the rotation's own history). Reads
 * only; writes no decision and queues nothing.
 */
export interface PeriodSimulation {
  readonly from: string;
  readonly to: string;
  readonly rulesHash: string;
  readonly result: SimulationResult;
}

function day(text: string, flag: string): string {
  const parsed = DateTime.fromISO(text);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !parsed.isValid) {
    throw new InvalidInputError(`${flag} must be a date like 2026-11-01, not "${text}".`);
  }
  return text;
}

export async function simulateRoutingPeriod(
  db: Db,
  connection: Connection,
  fromText: string,
  toText: string,
): Promise<PeriodSimulation> {
  const from = day(fromText, '--from');
  const to = day(toText, '--to');
  if (to < from) throw new InvalidInputError(`--to ${to} is before --from ${from}.`);
  const stored = await activeRoutingRules(db, connection.id);
  if (!stored) {
    throw new InvalidInputError(
      `"${connection.name}" has no routing rules to simulate; install them with \`salesops route rules FILE.yaml --connection ${connection.name}\` (--dry-run installs nothing).`,
    );
  }
  const rules = stored.rules as RoutingRules;
  const tz = connection.timeZone;
  const start = DateTime.fromISO(from, { zone: tz }).startOf('day').toJSDate();
  const before = DateTime.fromISO(to, { zone: tz }).plus({ days: 1 }).startOf('day').toJSDate();
  const owners = await routingOwners(db, connection.id);
  const emailOf = new Map(owners.map((o) => [o.ownerId, o.email]));
  const rows = await leadsCreatedIn(db, connection.id, start, before, rules.routeFrom);
  const leads: PastLead[] = rows.map((row) => ({
    lead: routableLead(row),
    actualOwnerEmail: row.receivedBy === null ? null : (emailOf.get(row.receivedBy) ?? null),
  }));
  const result = simulateRouting({
    rules,
    members: membersByPool(rules, owners),
    leads,
    timeZone: tz,
    fiscalYearStartMonth: connection.fiscalYearStartMonth,
  });
  return { from, to, rulesHash: stored.hash, result };
}
