import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CreditedDeal, StatementInputs } from '../src/comp/comp-model.js';
import { parsePlanFile } from '../src/comp/plan-file.js';
import { computeStatement, inputsHash } from '../src/comp/statement.js';

/**
 * The pure statement math at the size: 1,000 reps × 8 quarters over 1,000,000
 * synthetic credited deals (125 per rep and quarter, one in five a 60/40 split), the 75/25 plan
 * of docs/examples/plan-75-25.yaml, teams of 10 with Σ/Σ team measures, one rep in ten hired
 * mid-quarter. Prints one JSON document: statements per second (computeStatement, inputs hash
 * included), the time to serialise the documents, and peak RSS. The database-backed bench
 * (reading the inputs from the warehouse) comes with the wiring. Target (issue 19): < 5 s for
 * the whole run after the metrics exist.
 */
const REPS = 1_000;
const QUARTERS = 8;
const DEALS_PER_STATEMENT = 125;
const TEAM_SIZE = 10;

let state = 19;
const random = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) | 0;
  return (state >>> 0) / 4294967296;
};

const parsed = parsePlanFile(
  readFileSync(new URL('../docs/examples/plan-75-25.yaml', import.meta.url), 'utf8'),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const plan = parsed.plan;

const quarters = Array.from({ length: QUARTERS }, (_, q) => {
  const year = 2026 + Math.floor(q / 4);
  const month = (q % 4) * 3 + 1;
  const start = `${year}-${String(month).padStart(2, '0')}-01`;
  const endMonth = month + 2;
  const lastDay = new Date(Date.UTC(year, endMonth, 0)).getUTCDate();
  return {
    key: `${year}-Q${(q % 4) + 1}`,
    start,
    end: `${year}-${String(endMonth).padStart(2, '0')}-${lastDay}`,
  };
});

const built = performance.now();
const all: StatementInputs[] = [];
let deals = 0;
for (const [q, period] of quarters.entries()) {
  const perRep: { credits: CreditedDeal[]; credited: bigint; quota: bigint }[] = [];
  for (let r = 0; r < REPS; r++) {
    const credits: CreditedDeal[] = [];
    let credited = 0n;
    for (let d = 0; d < DEALS_PER_STATEMENT; d++) {
      const amountCents = BigInt(Math.floor(200_000 + random() * 1_400_000));
      const share = d % 5 === 0 ? 0.6 : 1;
      credits.push({
        dealId: `D${q}-${r}-${d}`,
        name: `Deal ${d}`,
        closeDate: period.start,
        amountCents,
        share,
      });
      credited += share === 1 ? amountCents : (amountCents * 6n) / 10n;
      deals += 1;
    }
    perRep.push({ credits, credited, quota: 100_000_000n });
  }
  for (let r = 0; r < REPS; r++) {
    const first = r - (r % TEAM_SIZE);
    const members = perRep.slice(first, first + TEAM_SIZE);
    const me = perRep[r] as (typeof perRep)[number];
    const hired = r % 10 === 3;
    all.push({
      ownerEmail: `rep${r}@bench.example`,
      plan,
      assignment: {
        ownerEmail: `rep${r}@bench.example`,
        plan: plan.name,
        start: period.start,
        end: quarters[QUARTERS - 1]?.end as string,
        targetIncentiveCents: null,
        drawCents: null,
      },
      period,
      workingDays: hired ? { assigned: 41, period: 64 } : { assigned: 64, period: 64 },
      credits: me.credits,
      quotaCents: hired ? (me.quota * 41n) / 64n : me.quota,
      team: {
        name: `Team ${first / TEAM_SIZE}`,
        creditedCents: members.reduce((s, m) => s + m.credited, 0n),
        quotaCents: members.reduce((s, m) => s + m.quota, 0n),
        explicitQuota: false,
      },
      adjustments: [],
      drawBalanceCents: 0n,
    });
  }
}
const buildMs = performance.now() - built;

// The machine is shared: CPU time beside wall time, and the inputs hash alone (most of a
// statement's cost is reading its 125 deals twice: once to sum, once to hash).
const hashStarted = performance.now();
for (const inputs of all) inputsHash(inputs);
const hashMs = performance.now() - hashStarted;

const cpu = process.cpuUsage();
const started = performance.now();
let totalCents = 0n;
const statements = all.map((inputs) => {
  const computed = computeStatement(inputs);
  totalCents += computed.totalCents;
  return computed.statement;
});
const computeMs = performance.now() - started;
const used = process.cpuUsage(cpu);
const computeCpuMs = (used.user + used.system) / 1000;
const serialised = performance.now();
const bytes = JSON.stringify({ statements }).length;
const serialiseMs = performance.now() - serialised;

process.stdout.write(
  `${JSON.stringify({
    reps: REPS,
    quarters: QUARTERS,
    deals,
    statements: statements.length,
    buildInputsMs: Math.round(buildMs),
    computeMs: Math.round(computeMs),
    computeCpuMs: Math.round(computeCpuMs),
    inputsHashOnlyMs: Math.round(hashMs),
    statementsPerSecond: Math.round(statements.length / (computeMs / 1000)),
    serialiseMs: Math.round(serialiseMs),
    documentBytes: bytes,
    totalPaid: Number(totalCents) / 100,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
