import type { CliIo } from '../cli/cli-io.js';
import { printJson, printLine } from '../cli/cli-io.js';

/** What the demo learned, per connection, and how it is shown. */
export interface DemoConnectionResult {
  readonly name: string;
  readonly kind: 'hubspot' | 'salesforce';
  /** The quarter the attainment section reports (the one just closed early in a quarter). */
  readonly quarter: string;
  readonly quarterLabel: string;
  readonly showsClosedQuarter: boolean;
  readonly forecastQuarter: string;
  readonly forecastQuarterLabel: string;
  /** The last closed quarter, which `forecast backtest` can score. */
  readonly lastClosedQuarter: string;
  /** The local date every report was run as of. */
  readonly asOfDate: string;
  readonly auditPeriod: string;
  readonly auditHtml: string;
  readonly firstPull: SyncDoc;
  /** One line on what the route stage did in the demo's second sync. */
  readonly routing: string;
  readonly sync: SyncDoc;
  readonly fields: {
    readonly created?: readonly unknown[];
    readonly existing?: readonly unknown[];
    readonly notes?: readonly string[];
  };
  readonly attainmentTable: string;
  readonly attainment: {
    readonly currency: string;
    readonly team: {
      readonly quota: number | null;
      readonly closedWon: number;
      readonly attainment: number | null;
      readonly shareAtOrAbove100: number | null;
    };
  };
  readonly audit: {
    readonly totalLeads: number;
    readonly gini: number | null;
    readonly flags: readonly {
      readonly ownerEmail: string | null;
      /** The rep's name as the attainment table shows it (owners.name), added by the demo. */
      readonly ownerName?: string | null;
      readonly reason: string;
      readonly received: number;
      readonly expected: number;
      readonly pValue: number | null;
    }[];
  };
  readonly forecast: {
    readonly currency: string;
    readonly method: string;
    readonly team: {
      readonly closedWon: number;
      readonly p10: number;
      readonly p50: number;
      readonly p90: number;
      readonly probabilityOfQuota: number | null;
    };
  };
  readonly written: {
    readonly records: number;
    readonly calls: number;
    readonly sample: readonly {
      readonly object: string;
      readonly id: string;
      /** The rep's or the deal's name, as people know the record. */
      readonly name: string | null;
      readonly values: Readonly<Record<string, string | null>>;
    }[];
  };
}

interface SyncDoc {
  readonly status?: string;
  readonly pulled?: Readonly<Record<string, number>>;
  readonly pushed?: { readonly calls: number; readonly records: number; readonly failed: number };
  readonly durationMs?: number;
}

export interface DemoSummary {
  readonly databaseUrl: string;
  /** How the sandboxes were seeded: enough to rebuild the same companies. */
  readonly sandbox: { readonly now: string; readonly seed: number; readonly deals: number };
  readonly generatedKey: boolean;
  readonly outputDir: string;
  readonly durationMs: number;
  readonly connections: readonly DemoConnectionResult[];
  /** Two reps' payouts on the 75/25 plan, one line each with their components (issue 19). */
  readonly compensation: readonly string[];
  readonly json: boolean;
}

// Like the report tables: whole units with thousands separators, the currency said once per line.
const money = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
const pct = (ratio: number | null | undefined) =>
  ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)}%`;

/** A rep as the attainment table names them, with the email only to tell namesakes apart. */
function repName(flag: { ownerEmail: string | null; ownerName?: string | null }): string {
  if (flag.ownerName) return flag.ownerEmail ? `${flag.ownerName} (${flag.ownerEmail})` : flag.ownerName;
  return flag.ownerEmail ?? 'an unknown owner';
}

export function printDemoSummary(io: CliIo, s: DemoSummary): void {
  if (s.json) {
    const { json: _json, ...document } = s;
    printJson(io, document);
    return;
  }
  const line = (text = '') => printLine(io, text);
  line();
  line(`salesops demo finished in ${(s.durationMs / 1000).toFixed(1)} s.`);
  for (const c of s.connections) {
    const label = c.kind === 'hubspot' ? 'HubSpot' : 'Salesforce';
    line();
    line(`━━ ${label} (${c.name}) ━━`);
    line(
      `Pulled ${c.firstPull.pulled?.owners ?? 0} owners (active and deactivated), ${c.firstPull.pulled?.deals ?? 0} deals and ${c.firstPull.pulled?.leads ?? 0} leads.`,
    );
    line();
    line(
      c.showsClosedQuarter
        ? `Attainment, ${c.quarterLabel}, final (${c.forecastQuarter} has only just begun):`
        : `Attainment, ${c.quarterLabel}, as of ${c.asOfDate}:`,
    );
    // The table ends with its own "All reps" total line: the team figure is said there, once.
    io.stdout.write(c.attainmentTable.endsWith('\n') ? c.attainmentTable : `${c.attainmentTable}\n`);
    line();
    line(
      `Lead distribution audit, ${c.auditPeriod}: ${c.audit.totalLeads} leads, Gini ${c.audit.gini?.toFixed(3) ?? '—'}.`,
    );
    const repFlags = c.audit.flags.filter((f) => f.pValue !== null);
    if (repFlags.length === 0) line('  No rep was flagged.');
    for (const flag of repFlags.slice(0, 3)) line(`  FLAG ${repName(flag)}: ${flag.reason}`);
    // Off-rotation flags are one per owner now; `received` is how many leads each got.
    const outside = c.audit.flags.filter((f) => f.pValue === null);
    const outsideLeads = outside.reduce((n, f) => n + f.received, 0);
    if (outside.length > 0)
      line(`  …and ${outsideLeads} lead(s) went to ${outside.length} owner(s) outside the rotation.`);
    line(`  Report for a manager: ${c.auditHtml}`);
    line();
    const f = c.forecast.team;
    line(
      `Forecast, ${c.forecastQuarterLabel}, ${c.forecast.currency} (method ${c.forecast.method}): P10 ${money(f.p10)} · P50 ${money(f.p50)} · P90 ${money(f.p90)}; chance of making the team quota ${pct(f.probabilityOfQuota)}.`,
    );
    line();
    line(
      `Written into ${label}: ${c.written.records} records in ${c.sync.pushed?.calls ?? c.written.calls} write calls (${c.sync.pushed?.failed ?? 0} rejected); fields created: ${c.fields.created?.length ?? 0}, already there: ${c.fields.existing?.length ?? 0}.`,
    );
    for (const note of c.fields.notes ?? []) line(`  note: ${note}`);
    line(c.routing);
    for (const record of c.written.sample) {
      const values = Object.entries(record.values)
        .map(([field, value]) => `${field}=${value}`)
        .join(', ');
      line(
        `  ${record.name ? `${record.name} (${record.object} ${record.id})` : `${record.object} ${record.id}`}: ${values}`,
      );
    }
  }
  // `npm run salesops --` runs the TypeScript directly; after `npm run build`, `node dist/src/app/cli-main.js`.
  if (s.compensation.length > 0) {
    line();
    line(`Compensation (the 75/25 plan of docs/examples/plan-75-25.yaml, ${s.connections[0]?.name}):`);
    for (const payout of s.compensation) line(`  ${payout}`);
  }
  const env = `DATABASE_URL=${s.databaseUrl} npm run -s salesops --`;
  const first = s.connections[0];
  line();
  line('Try next (the demo data stays in its own database):');
  if (first) {
    line(`  ${env} report reps --connection ${first.name} --period ${first.quarter}`);
    line(`  ${env} audit leads --connection ${first.name} --period ${first.auditPeriod} --html audit.html`);
    line(`  ${env} forecast --connection ${first.name} --period ${first.forecastQuarter} --json`);
    line(
      `  ${env} forecast backtest --connection ${first.name} --from ${first.lastClosedQuarter} --to ${first.lastClosedQuarter}`,
    );
  }
  line(`  Open the HTML audit reports in ${s.outputDir}`);
  line('  Connect your own CRM: see "Your first real connection" in README.md.');
  if (s.generatedKey) {
    line('  (SALESOPS_SECRET_KEY was not set, so the demo used a throw-away key for its own database.)');
  }
}
