import { matchPool } from './pool-match.js';
import { type LedgerOptions, type MemberTotals, RotationLedger } from './rotation-ledger.js';
import type { PoolMember, PoolRules, RoutableLead, RoutingDecision, RoutingRules } from './routing-model.js';
import { ZoneClock } from './zone-clock.js';

/**
 * The rules at work: one rotation ledger per pool, account matching before the rotation where a
 * pool asks for it, and SLA re-routes. Pure: the stage loads the members, the accounts and the
 * period's earlier assignments, feeds them in, and stores what comes out.
 */
export interface AccountOwner {
  readonly email: string;
  readonly ownerId: string;
}

/**
 * Domains of free mail providers: a gmail.com lead says nothing about its company, so it never
 * matches an account, even one whose website is on such a domain.
 */
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.ru',
  'yandex.ru',
  'qq.com',
  '163.com',
]);

/** The lower-cased domain of an email address, or null (none, or a free mail provider). */
export function companyDomain(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  if (domain === '' || !domain.includes('.') || FREE_MAIL.has(domain)) return null;
  return domain;
}

/**
 * The owner of the account a lead's email domain belongs to. `accounts` maps a company domain
 * (lower-cased) to the owner of an open deal there; the stage builds it.
 */
export function accountOwnerFor(
  lead: RoutableLead,
  accounts: ReadonlyMap<string, AccountOwner>,
): { readonly domain: string; readonly owner: AccountOwner } | null {
  const domain = companyDomain(lead.email);
  const owner = domain === null ? undefined : accounts.get(domain);
  return domain !== null && owner ? { domain, owner } : null;
}

/** Whether a routed lead has missed its pool's SLA and may be re-routed once more. */
export function slaMissed(
  pool: PoolRules,
  routedAt: Date,
  touchedAt: Date | null,
  now: Date,
  reroutesSoFar: number,
): boolean {
  if (pool.slaMinutes === null || reroutesSoFar >= pool.maxReroutes) return false;
  const deadline = routedAt.getTime() + pool.slaMinutes * 60_000;
  if (touchedAt !== null && touchedAt.getTime() <= deadline) return false;
  return now.getTime() >= deadline;
}

export interface RouterOptions extends Omit<LedgerOptions, 'clock'> {}

export class LeadRouter {
  private readonly ledgers = new Map<string, RotationLedger>();

  /** `members` gives each pool its members; for `members: rotation` the stage resolves the rep settings. */
  constructor(
    readonly rules: RoutingRules,
    members: ReadonlyMap<string, readonly PoolMember[]>,
    options: RouterOptions,
  ) {
    const clock = new ZoneClock();
    for (const pool of rules.pools) {
      this.ledgers.set(
        pool.name,
        new RotationLedger(pool, members.get(pool.name) ?? [], { ...options, clock }),
      );
    }
  }

  ledger(pool: string): RotationLedger {
    const ledger = this.ledgers.get(pool);
    if (!ledger) throw new RangeError(`No pool named "${pool}" in the routing rules.`);
    return ledger;
  }

  poolOf(lead: RoutableLead): PoolRules {
    return matchPool(this.rules, lead);
  }

  /** Counts a lead already assigned (routed or by hand) in its pool; false when the owner is not a member. */
  record(lead: RoutableLead, at: Date, ownerEmail: string): boolean {
    return this.ledger(this.poolOf(lead).name).record(at, ownerEmail);
  }

  /**
   * Routes a new lead: to the owner of its account when the pool matches accounts and one is
   * known (kind `account`, outside the rotation), else by the rotation.
   */
  route(lead: RoutableLead, at: Date, accounts?: ReadonlyMap<string, AccountOwner>): RoutingDecision {
    const pool = this.poolOf(lead);
    const ledger = this.ledger(pool.name);
    const account = pool.matchAccounts && accounts ? accountOwnerFor(lead, accounts) : null;
    if (account) {
      return { ...ledger.assign(lead, at, account.owner, 'account'), accountDomain: account.domain };
    }
    return ledger.decide(lead, at);
  }

  /**
   * The next owner of a lead whose owner missed the SLA: the rotation's choice among the members
   * who have not had it. It is not counted again: the lead already counts for its first owner,
   * as in the audit (§5: a lead counts for the rep it was first assigned to). Null when the pool
   * has no SLA or the lead has had its `maxReroutes`.
   */
  reroute(lead: RoutableLead, at: Date, previousOwners: readonly string[]): RoutingDecision | null {
    const pool = this.poolOf(lead);
    const hop = previousOwners.length;
    if (pool.slaMinutes === null || hop < 1 || hop > pool.maxReroutes) return null;
    const exclude = new Set(previousOwners.map((e) => e.toLowerCase()));
    const decision = this.ledger(pool.name).decide(lead, at, { exclude, kind: 'sla_reroute', commit: false });
    return { ...decision, rerouteFrom: previousOwners[previousOwners.length - 1] ?? null, rerouteHop: hop };
  }

  /** Received and expected per member and pool over everything recorded and decided. */
  totals(): { readonly pool: string; readonly members: readonly MemberTotals[] }[] {
    return [...this.ledgers].map(([pool, ledger]) => ({ pool, members: ledger.totals() }));
  }
}
