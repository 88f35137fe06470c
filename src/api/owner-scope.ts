import type { Db } from '../db.js';
import { activeRepsWithTeams } from '../warehouse/owner-tables.js';
import { type ApiCaller, EVERYTHING, type Scope, type ScopeOf } from './api-caller.js';

/**
 * DESIGN §13's scope from the warehouse: admin and ops see every rep; a rep the owners with their
 * email (the email links a person to their CRM owners in every connection); a manager the active
 * reps whose primary team is one they manage, and those teams.
 */
export function ownerScope(db: Db): ScopeOf {
  return async (caller: ApiCaller, connection): Promise<Scope> => {
    if (caller.role === 'admin' || caller.role === 'ops') return EVERYTHING;
    const email = caller.email.toLowerCase();
    if (caller.role === 'rep') return { all: false, ownerEmails: new Set([email]), teams: new Set() };
    const teams = new Set(caller.teams.map((t) => t.toLowerCase()));
    const reps = await activeRepsWithTeams(db, connection.id, connection.timeZone);
    const ownerEmails = new Set(
      reps
        .filter((r) => r.team !== null && teams.has(r.team.toLowerCase()))
        .map((r) => r.email.toLowerCase()),
    );
    const teamNames = new Set(
      reps.flatMap((r) => (r.team !== null && teams.has(r.team.toLowerCase()) ? [r.team] : [])),
    );
    return { all: false, ownerEmails, teams: teamNames };
  };
}
