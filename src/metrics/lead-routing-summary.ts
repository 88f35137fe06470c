import { DateTime } from 'luxon';
import { addDays, type Period } from '../calendar/periods.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { routedLeads } from '../warehouse/routing-decision-reads.js';
import { activeRoutingRules } from '../warehouse/routing-tables.js';

/**
 * The lead audit's view of routing (issue 18, DESIGN §5): once rules exist, which of the
 * period's assignments routing made and which a person changed afterwards — the pattern of
 * cherry-picking is a rep who keeps taking routed leads from others. Per rep: `routed` leads
 * routing gave them, `overridesTaken` routed leads someone moved to them by hand after the owner
 * was written, `overridesLost` routed leads moved away from them. Null when the connection has
 * no routing rules, so an audit without routing is exactly what it was.
 */
export interface RoutingSummaryRep {
  readonly ownerEmail: string;
  readonly routed: number;
  readonly overridesTaken: number;
  readonly overridesLost: number;
}

export interface RoutingSummary {
  readonly rulesHash: string;
  readonly routed: number;
  readonly manualOverrides: number;
  readonly reps: readonly RoutingSummaryRep[];
}

export async function routingSummary(
  db: Db,
  connection: Connection,
  period: Period,
  asOf: Date,
): Promise<RoutingSummary | null> {
  const rules = await activeRoutingRules(db, connection.id);
  if (!rules) return null;
  const tz = connection.timeZone;
  const start = DateTime.fromISO(period.start, { zone: tz }).startOf('day').toJSDate();
  const end = DateTime.fromISO(addDays(period.end, 1), { zone: tz }).startOf('day').toJSDate();
  // Decisions after the audit's as-of had not happened yet on that day.
  const before = end.getTime() < asOf.getTime() ? end : asOf;
  const routeFrom = ((rules.rules as { routeFrom?: string[] }).routeFrom ?? []).map((e) => e.toLowerCase());
  const rows = await routedLeads(db, connection.id, start, before, routeFrom);
  const reps = new Map<string, { routed: number; overridesTaken: number; overridesLost: number }>();
  const rep = (email: string) => {
    let r = reps.get(email);
    if (!r) {
      r = { routed: 0, overridesTaken: 0, overridesLost: 0 };
      reps.set(email, r);
    }
    return r;
  };
  let manualOverrides = 0;
  for (const row of rows) {
    const chosen = row.chosenEmail.toLowerCase();
    rep(chosen).routed += 1;
    if (row.overriddenTo !== null && row.overriddenTo !== chosen) {
      manualOverrides += 1;
      rep(chosen).overridesLost += 1;
      rep(row.overriddenTo).overridesTaken += 1;
    }
  }
  return {
    rulesHash: rules.hash,
    routed: rows.length,
    manualOverrides,
    reps: [...reps]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([ownerEmail, r]) => ({ ownerEmail, ...r })),
  };
}
