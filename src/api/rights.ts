import type { Role } from './api-caller.js';

/**
 * What each role may do (DESIGN §13), as data: every route names one right, and the role ×
 * endpoint table in docs/api.md is derived from this and asserted whole by a test.
 * - admin: everything;
 * - ops: reads everything except payouts, runs syncs, audits and simulations; changes nothing;
 * - manager: their team's reps (numbers and payouts);
 * - rep: their own numbers and statement.
 */
export const RIGHTS = {
  /** connections, schedules, runs, routing rules, field mappings, quotas, rep settings. */
  readConfig: ['admin', 'ops'],
  /** any change to configuration (schedules, imports). */
  changeConfig: ['admin'],
  runSync: ['admin', 'ops'],
  /** attainment, rep comparison, forecast: filtered to the caller's scope. */
  readNumbers: ['admin', 'ops', 'manager', 'rep'],
  /** lead audit, routing decisions and simulations, forecast accuracy, config audit log. */
  readAudits: ['admin', 'ops'],
  /** statements (payouts): filtered to the caller's scope; every read is logged. */
  readPayouts: ['admin', 'manager', 'rep'],
} as const satisfies Record<string, readonly Role[]>;

export type Right = keyof typeof RIGHTS;

export function allows(role: Role, right: Right): boolean {
  return (RIGHTS[right] as readonly Role[]).includes(role);
}
