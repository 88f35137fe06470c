import type { MemberWindow, PoolMember, RoutingRules } from './routing-model.js';

/**
 * Each pool's members as the rotation needs them (DESIGN §11): a pool listing emails gets those
 * owners, with their rep-settings windows where they have any (none: weight 1, always
 * available); `members: rotation` is every rep whose settings give weight > 0 on some window.
 * The stage loads the owners and the rep settings; this only joins them.
 */
export interface RepSettings {
  readonly windows: readonly MemberWindow[];
}

export function resolvePoolMembers(
  rules: RoutingRules,
  /** Lower-cased email → owner id, for every owner of the connection. */
  owners: ReadonlyMap<string, string>,
  /** Lower-cased email → rep settings, for the reps that have any. */
  settings: ReadonlyMap<string, RepSettings>,
): Map<string, PoolMember[]> {
  const member = (email: string): PoolMember | null => {
    const ownerId = owners.get(email);
    if (ownerId === undefined) return null; // the rules were checked against the owners; one left since
    return { email, ownerId, windows: settings.get(email)?.windows ?? [] };
  };
  const rotation = [...settings]
    .filter(([, s]) => s.windows.some((w) => w.weight > 0))
    .map(([email]) => email)
    .sort();
  const out = new Map<string, PoolMember[]>();
  for (const pool of rules.pools) {
    const emails = pool.members === 'rotation' ? rotation : pool.members;
    out.set(
      pool.name,
      emails.map(member).filter((m): m is PoolMember => m !== null),
    );
  }
  return out;
}
