import { performance } from 'node:perf_hooks';
import { explainDecision } from '../src/route/explain-decision.js';
import { LeadRouter } from '../src/route/lead-router.js';
import type { MemberWindow, PoolMember, RoutableLead, RoutingDecision } from '../src/route/routing-model.js';
import { parseRoutingRules } from '../src/route/routing-rules.js';

/**
 * The rotation at the issue's size: 100,000 new leads over a month, 200 reps in 10 pools (nine
 * countries and a fallback, 20 reps each). A third of the reps work set hours in their own zone,
 * one in ten is on leave for a week, weights 1–3, daily caps of 24 on half the pools (the busiest country pools see ~17 leads per rep a day). Prints one JSON
 * document: decisions per second (match + decide, every decision kept as the stage would hold
 * it), records per second (a later run counting those leads back in), explanations per second,
 * and memory (every decision lists its 20 members' standings, and all 100,000 are kept, which
 * the stage, storing them page by page, never does). Target: ≥ 20,000 decisions/s.
 */
const LEADS = 100_000;
const POOLS = 10;
const PER_POOL = 20;
const COUNTRIES = ['DE', 'FR', 'GB', 'US', 'CA', 'BR', 'IN', 'JP', 'AU'];
const ZONES = ['Europe/Berlin', 'Europe/Paris', 'Europe/London', 'America/New_York', 'America/Toronto'];

let state = 17;
const random = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) | 0;
  return (state >>> 0) / 4294967296;
};

const emails: string[] = [];
const members = new Map<string, PoolMember[]>();
const poolNames = [...COUNTRIES.map((c) => `Country ${c}`), 'Rest'];
poolNames.forEach((name, p) => {
  const list: PoolMember[] = [];
  for (let i = 0; i < PER_POOL; i++) {
    const email = `rep${p * PER_POOL + i}@bench.example`;
    emails.push(email);
    const weight = 1 + (i % 3);
    const hours = i % 3 === 0 ? { start: '08:00', end: '18:00' } : null;
    const timeZone = hours ? (ZONES[(p + i) % ZONES.length] as string) : null;
    const windows: MemberWindow[] =
      i % 10 === 1
        ? [
            { weight, from: null, to: '2026-11-08', hours, timeZone },
            { weight, from: '2026-11-16', to: null, hours, timeZone },
          ]
        : [{ weight, from: null, to: null, hours, timeZone }];
    list.push({ email, ownerId: `o${p * PER_POOL + i}`, windows });
  }
  members.set(name, list);
});

const yaml = [
  'fallback: Rest',
  'pools:',
  ...COUNTRIES.flatMap((country, p) => [
    `  - name: Country ${country}`,
    `    match: [{ field: country, equals: ${country} }]`,
    '    members: rotation',
    ...(p % 2 === 0 ? ['    capacity: { perDay: 24 }'] : []),
  ]),
  '  - name: Rest',
  '    members: rotation',
].join('\n');
const parsed = parseRoutingRules(yaml, { ownerEmails: new Set(emails) });
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const rules = parsed.rules;

const start = Date.UTC(2026, 10, 1);
const span = 30 * 86_400_000;
const leads: RoutableLead[] = [];
for (let i = 0; i < LEADS; i++) {
  const createdAt = new Date(start + Math.floor((i / LEADS) * span + random() * 1000));
  const roll = random();
  const country = roll < 0.9 ? (COUNTRIES[Math.floor(roll * 10)] as string) : 'NZ';
  leads.push({
    externalId: `L${i}`,
    createdAt,
    email: `lead${i}@co${i % 5000}.example`,
    fields: { country },
  });
}

const rssBeforeMb = Math.round(process.memoryUsage().rss / 2 ** 20);
const options = { timeZone: 'Europe/Berlin', rulesHash: rules.hash };
const router = new LeadRouter(rules, members, options);
const decisions: RoutingDecision[] = [];
let t0 = performance.now();
for (const lead of leads) decisions.push(router.route(lead, lead.createdAt));
const decideMs = performance.now() - t0;
const routed = decisions.filter((d) => d.chosen !== null).length;
const heapWithDecisionsMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);

const later = new LeadRouter(rules, members, options);
t0 = performance.now();
for (const d of decisions)
  if (d.chosen) later.record(leads[Number(d.leadId.slice(1))] as RoutableLead, d.decidedAt, d.chosen.email);
const recordMs = performance.now() - t0;

const SAMPLE = 2000;
t0 = performance.now();
let chars = 0;
for (let i = 0; i < SAMPLE; i++)
  chars += explainDecision(decisions[i * 50] as RoutingDecision, 'Europe/Berlin').length;
const explainMs = performance.now() - t0;

process.stdout.write(
  `${JSON.stringify(
    {
      leads: LEADS,
      reps: emails.length,
      pools: POOLS,
      routed,
      unrouted: LEADS - routed,
      decideMs: Math.round(decideMs),
      decisionsPerSecond: Math.round(LEADS / (decideMs / 1000)),
      recordsPerSecond: Math.round(routed / (recordMs / 1000)),
      explanationsPerSecond: Math.round(SAMPLE / (explainMs / 1000)),
      meanExplanationChars: Math.round(chars / SAMPLE),
      rssBeforeMb,
      heapWithDecisionsMb,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      sample: explainDecision(decisions[LEADS / 2] as RoutingDecision, 'Europe/Berlin'),
    },
    null,
    2,
  )}\n`,
);
