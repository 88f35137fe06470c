import { sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * `team_memberships`: the team history neither CRM keeps (DESIGN §12 "Teams over time"). Each
 * sync snapshots `owner_teams` as of its day: memberships that no longer hold end that day
 * (`valid_to` is exclusive), new ones start that day; unchanged ones are not touched, so a
 * re-run on the same day changes nothing. Returns rows opened + closed.
 */
export async function snapshotTeamMemberships(db: Db, connectionId: number, day: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const closed = await sql`
      update team_memberships m set valid_to = ${day}::date
      where m.connection_id = ${connectionId} and m.valid_to is null
        and not exists (
          select 1 from owner_teams t
          where t.connection_id = m.connection_id and t.owner_id = m.owner_id
            and t.team_id = m.team_id and t.is_primary = m.is_primary)`.execute(trx);
    // A membership opened and ended on the same day never held at the end of any day.
    await sql`
      delete from team_memberships
      where connection_id = ${connectionId} and valid_to is not null and valid_to <= valid_from`.execute(trx);
    const opened = await sql`
      insert into team_memberships (connection_id, owner_id, team_id, is_primary, valid_from, valid_to)
      select t.connection_id, t.owner_id, t.team_id, t.is_primary, ${day}::date, null
      from owner_teams t
      where t.connection_id = ${connectionId}
        and not exists (
          select 1 from team_memberships m
          where m.connection_id = t.connection_id and m.owner_id = t.owner_id
            and m.team_id = t.team_id and m.is_primary = t.is_primary and m.valid_to is null)
      on conflict (connection_id, owner_id, team_id, valid_from)
        do update set is_primary = excluded.is_primary, valid_to = null`.execute(trx);
    return Number(closed.numAffectedRows ?? 0n) + Number(opened.numAffectedRows ?? 0n);
  });
}

/**
 * Each owner's primary team on `day` (a non-primary one when the owner has no primary). Before
 * an owner's first snapshot the first one applies (DESIGN §12); after their last membership
 * ended they have none.
 */
export async function primaryTeamsOn(
  db: Db,
  connectionId: number,
  day: string,
  ownerIds: readonly string[],
): Promise<Map<string, string>> {
  if (ownerIds.length === 0) return new Map();
  const rows = await sql<{ owner_id: string; team_id: string }>`
    select distinct on (owner_id) owner_id, team_id
    from team_memberships m
    where m.connection_id = ${connectionId} and m.owner_id = any(${[...ownerIds]}::text[])
      and ((m.valid_from <= ${day}::date and (m.valid_to is null or m.valid_to > ${day}::date))
        or not exists (
          select 1 from team_memberships e
          where e.connection_id = m.connection_id and e.owner_id = m.owner_id
            and e.valid_from <= ${day}::date))
    order by owner_id,
      case when m.valid_from <= ${day}::date then null else m.valid_from end asc nulls first,
      m.is_primary desc,
      m.team_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.owner_id, r.team_id]));
}
