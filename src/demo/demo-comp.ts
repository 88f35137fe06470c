import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Period } from '../calendar/periods.js';
import type { Captured } from '../cli/cli-io.js';
import type { StatementsDocument } from '../comp/comp-model.js';

/**
 * The demo's compensation (issue 19): the 75/25 plan of docs/examples/ added and assigned to the
 * demo reps for the current quarter through the real commands; the sync that follows computes
 * the statements, and two reps' payouts are printed with their components.
 */
type Cli = (argv: readonly string[]) => Promise<Captured>;

/** The example plan: next to the sources under tsx, from the repository root (the bin's cwd) once built. */
function examplePlan(): string {
  const beside = fileURLToPath(new URL('../../docs/examples/plan-75-25.yaml', import.meta.url));
  return existsSync(beside) ? beside : resolve('docs/examples/plan-75-25.yaml');
}

export async function assignDemoPlan(
  cli: Cli,
  name: string,
  outputDir: string,
  emails: readonly string[],
  quarter: Period,
): Promise<void> {
  await cli(['comp', 'plan', 'add', examplePlan()]);
  const file = resolve(outputDir, `${name}-comp-assignments.csv`);
  const rows = [...new Set(emails)].map((email) => `${email},AE 2027,${quarter.start},${quarter.end}`);
  await writeFile(file, `owner_email,plan,start,end\n${rows.join('\n')}\n`);
  await cli(['comp', 'assign', file, '--connection', name]);
}

const money = (n: number) =>
  n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const ratio = (n: number | null) => (n === null ? 'n/a' : `${(n * 100).toFixed(1)}%`);

/** Two reps' payouts, one line each: every component with its measure and multiplier, then the total. */
export async function demoPayoutLines(cli: Cli, name: string, quarter: string): Promise<string[]> {
  const result = await cli(['comp', 'statements', '--connection', name, '--period', quarter, '--json']);
  const document = JSON.parse(result.stdout) as StatementsDocument;
  return document.statements.slice(0, 2).map((s) => {
    const parts = s.components.map(
      (c) => `${c.name} ${money(c.payout)} (${ratio(c.value)} → ×${c.multiplier ?? 'n/a'})`,
    );
    return `${s.ownerEmail}: ${parts.join(' + ')} = ${money(s.total)} ${document.currency}`;
  });
}
