import { DateTime } from 'luxon';
import type { Exclusion, MemberStanding, RoutingDecision } from './routing-model.js';

/**
 * `route explain LEAD` (DESIGN §11): one decision in plain words, from the stored decision
 * alone, so an explanation read a year later says what the rotation saw then. Dates are in the
 * connection's zone. Members are named by email (the decision stores nothing else about them)
 * and spoken of as "they".
 */
const TIE = 1e-6;
/** Eligible members who were simply owed less are listed up to this many, then counted. */
const MAX_OTHERS = 3;

function num(x: number): string {
  const rounded = Math.round(x * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

function leads(x: number): string {
  return `${num(x)} ${num(x) === '1' ? 'lead' : 'leads'}`;
}

function day(date: Date, zone: string, reference: Date): string {
  const d = DateTime.fromJSDate(date, { zone }).setLocale('en-GB');
  const sameYear = d.year === DateTime.fromJSDate(reference, { zone }).year;
  return d.toFormat(sameYear ? 'cccc d LLLL' : 'cccc d LLLL yyyy');
}

function moment(date: Date, zone: string, reference: Date): string {
  return `${DateTime.fromJSDate(date, { zone }).toFormat('HH:mm')} on ${day(date, zone, reference)}`;
}

function why(exclusion: Exclusion, zone: string, at: Date): string {
  switch (exclusion.reason) {
    case 'day_cap':
      return `was at the daily cap of ${exclusion.cap}`;
    case 'week_cap':
      return `was at the weekly cap of ${exclusion.cap}`;
    case 'unavailable':
      return exclusion.until
        ? `is away until ${day(exclusion.until, zone, at)}`
        : 'is away, with no availability window ahead';
    case 'outside_hours':
      return exclusion.nextStart
        ? `was outside working hours (back at ${moment(exclusion.nextStart, zone, at)})`
        : 'was outside working hours';
    case 'weight_zero':
      return 'has weight 0 (out of the rotation)';
    case 'previous_owner':
      return 'already had the lead';
  }
}

function standingWords(m: MemberStanding): string {
  const figures = `(expected ${num(m.expected)}, received ${m.received})`;
  if (m.deficit > 0.05) return `${leads(m.deficit)} below their fair share ${figures}`;
  if (m.deficit < -0.05) return `${leads(-m.deficit)} above their fair share ${figures}`;
  return `at their fair share ${figures}`;
}

function choiceWords(chosen: MemberStanding, decision: RoutingDecision, zone: string): string {
  const eligible = decision.members.filter((m) => m.excluded === null);
  const tied = eligible.filter((m) => m !== chosen && Math.abs(m.deficit - chosen.deficit) < TIE);
  const lead =
    chosen.deficit > 0.05
      ? `the largest shortfall, ${standingWords(chosen)}`
      : `no eligible member was owed more; they were ${standingWords(chosen)}`;
  if (tied.length === 0) return lead;
  const names = tied.map((m) => m.email).join(', ');
  const sameWait = tied.some(
    (m) => (m.lastLeadAt?.getTime() ?? null) === (chosen.lastLeadAt?.getTime() ?? null),
  );
  const waited =
    chosen.lastLeadAt === null
      ? 'had not had a lead of the pool yet'
      : `had waited longest since their last lead of the pool (${moment(chosen.lastLeadAt, zone, decision.decidedAt)})`;
  return sameWait
    ? `${lead}, tied with ${names} on shortfall and wait, and first by email`
    : `${lead}, tied with ${names}, and ${waited}`;
}

function notChosen(decision: RoutingDecision, chosen: MemberStanding | undefined, zone: string): string {
  const others = decision.members.filter((m) => m !== chosen);
  const excluded = others
    .filter((m) => m.excluded !== null)
    .map((m) => `${m.email} ${why(m.excluded as Exclusion, zone, decision.decidedAt)}`);
  // Members tied with the chosen one are named in the reason already.
  const floor = (chosen?.deficit ?? Number.POSITIVE_INFINITY) - TIE;
  const owedLess = others
    .filter((m) => m.excluded === null && m.deficit < floor)
    .sort((a, b) => b.deficit - a.deficit);
  const parts = [...excluded];
  if (owedLess.length > 0) {
    const listed = owedLess.slice(0, MAX_OTHERS).map((m) => `${m.email} ${num(m.deficit)}`);
    const more = owedLess.length - MAX_OTHERS;
    parts.push(`owed less: ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  return parts.length > 0 ? ` Not chosen: ${parts.join('; ')}.` : '';
}

export function explainDecision(decision: RoutingDecision, zone: string): string {
  const where = `in pool ${decision.pool}`;
  const chosen = decision.chosen;
  if (chosen === null) {
    const excluded = decision.members
      .filter((m) => m.excluded !== null)
      .map((m) => `${m.email} ${why(m.excluded as Exclusion, zone, decision.decidedAt)}`);
    const detail = excluded.length > 0 ? ` ${excluded.join('; ')}.` : '';
    if (decision.kind === 'sla_reroute') {
      const owner = decision.rerouteFrom ?? 'its owner';
      return `Not re-routed ${where}: no other member was eligible.${detail} The lead stays with ${owner}.`;
    }
    const reason = decision.members.length === 0 ? 'the pool has no members' : 'no member was eligible';
    return `Not routed ${where}: ${reason}.${detail} The lead stays unrouted; it is never given to a default owner.`;
  }
  const standing = decision.members.find((m) => m.email === chosen.email);
  if (decision.kind === 'account') {
    const domain = decision.accountDomain
      ? `the lead's email domain ${decision.accountDomain}`
      : "the lead's email domain";
    return (
      `Routed to ${chosen.email} ${where}, outside the rotation: ${domain} belongs to an account ` +
      `where ${chosen.email} owns an open deal.`
    );
  }
  const reroute =
    decision.kind === 'sla_reroute'
      ? `${decision.rerouteFrom ?? 'the previous owner'} had not touched the lead within the pool's SLA` +
        `${decision.rerouteHop ? ` (re-route ${decision.rerouteHop})` : ''}; among the others, `
      : '';
  const verb = decision.kind === 'sla_reroute' ? 'Re-routed' : 'Routed';
  const because = standing ? choiceWords(standing, decision, zone) : 'the rotation chose them';
  return `${verb} to ${chosen.email} ${where}: ${reroute}${because}.${notChosen(decision, standing, zone)}`;
}
