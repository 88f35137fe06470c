import type { Db } from '../db.js';
import { installRoutingRules, routingOwners } from '../warehouse/routing-tables.js';
import type { RoutingRules, RulesProblem } from './routing-model.js';
import { parseRoutingRules } from './routing-rules.js';

/**
 * `route rules FILE.yaml` without its surface: the file is validated whole against the
 * connection's owners (every problem listed with its line) and, unless a dry run, installed as
 * the active version. Installing the active version again changes nothing.
 */
export type RulesInstall =
  | {
      readonly ok: true;
      readonly hash: string;
      readonly changed: boolean;
      readonly dryRun: boolean;
      readonly pools: readonly { readonly name: string; readonly members: string | number }[];
      readonly rules: RoutingRules;
    }
  | { readonly ok: false; readonly problems: readonly RulesProblem[] };

export async function installRulesText(
  db: Db,
  connectionId: number,
  text: string,
  options: { readonly dryRun: boolean },
): Promise<RulesInstall> {
  const owners = await routingOwners(db, connectionId);
  const parsed = parseRoutingRules(text, { ownerEmails: new Set(owners.map((o) => o.email)) });
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { rules } = parsed;
  const changed = options.dryRun
    ? true
    : (await installRoutingRules(db, connectionId, rules.hash, rules)).changed;
  return {
    ok: true,
    hash: rules.hash,
    changed,
    dryRun: options.dryRun,
    pools: rules.pools.map((p) => ({
      name: p.name,
      members: p.members === 'rotation' ? 'rotation' : p.members.length,
    })),
    rules,
  };
}
