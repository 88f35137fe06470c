import { DateTime } from 'luxon';
import { addDays, type Period } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { routedLeads, unroutedCount } from '../warehouse/routing-decision-reads.js';
import { activeRoutingRules } from '../warehouse/routing-tables.js';

/**
 * `route report` (DESIGN §7): what routing did in a period, from the decisions. `routed` counts
 * leads given an owner (decided in the period, in the connection's zone); `manualOverrides` those
 * a person later moved to another rep; speed to lead (creation → owner written) p50/p95 over the
 * leads whose owner was written, linear interpolation between order statistics (R type 7); per
 * rep and pool, `received` = routed leads the rep holds now (an override counts for the rep who
 * has it) and `expected` = Σ of the rep's share of each decision (weight ÷ Σ weights of the
 * eligible members at that moment).
 */
export interface RouteReport {
  readonly period: { readonly start: string; readonly end: string };
  readonly rulesHash: string | null;
  readonly routed: number;
  readonly unrouted: number;
  readonly manualOverrides: number;
  readonly speedToLeadSeconds: { readonly p50: number | null; readonly p95: number | null };
  readonly reps: readonly { ownerEmail: string; pool: string; received: number; expected: number }[];
  readonly pools: readonly { name: string; routed: number }[];
}

export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;

export async function routeReport(db: Db, connection: Connection, period: Period): Promise<RouteReport> {
  const tz = connection.timeZone;
  const start = DateTime.fromISO(period.start, { zone: tz }).startOf('day').toJSDate();
  const before = DateTime.fromISO(addDays(period.end, 1), { zone: tz }).startOf('day').toJSDate();
  const rules = await activeRoutingRules(db, connection.id);
  const routeFrom = ((rules?.rules as { routeFrom?: string[] } | undefined)?.routeFrom ?? []).map((e) =>
    e.toLowerCase(),
  );
  const rows = await routedLeads(db, connection.id, start, before, routeFrom);
  const speeds = rows
    .map((r) => r.speedToLeadSeconds)
    .filter((s): s is number => s !== null)
    .sort((a, b) => a - b);
  const cells = new Map<string, { ownerEmail: string; pool: string; received: number; expected: number }>();
  const cell = (ownerEmail: string, pool: string) => {
    const key = `${pool}\u0000${ownerEmail}`;
    let c = cells.get(key);
    if (!c) {
      c = { ownerEmail, pool, received: 0, expected: 0 };
      cells.set(key, c);
    }
    return c;
  };
  const pools = new Map<string, number>();
  for (const r of rows) {
    pools.set(r.pool, (pools.get(r.pool) ?? 0) + 1);
    cell(r.overriddenTo ?? r.chosenEmail, r.pool).received += 1;
    for (const m of (r.members ?? []) as { email: string; share?: number }[]) {
      if (m.share) cell(m.email, r.pool).expected += m.share;
    }
  }
  return {
    period: { start: period.start, end: period.end },
    rulesHash: rules?.hash ?? null,
    routed: rows.length,
    unrouted: await unroutedCount(db, connection.id, start, before),
    manualOverrides: rows.filter((r) => r.overriddenTo !== null).length,
    speedToLeadSeconds: {
      p50: speeds.length ? round(quantile(speeds, 0.5) as number, 1) : null,
      p95: speeds.length ? round(quantile(speeds, 0.95) as number, 1) : null,
    },
    reps: [...cells.values()]
      .map((c) => ({ ...c, expected: round(c.expected, 6) }))
      .sort((a, b) => a.pool.localeCompare(b.pool) || a.ownerEmail.localeCompare(b.ownerEmail)),
    pools: [...pools]
      .map(([name, routed]) => ({ name, routed }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
