/**
 * How much history the sandboxes generate, beside the Maven CRM data's (issue 17 asks for at least
 * Maven's distribution of stage changes per deal, and owner changes on a tenth of deals), read
 * from the sandbox's own data view. Used by `bench/sync.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HubspotSandbox } from '../sandboxes/hubspot/index.js';
import type { SalesforceSandbox } from '../sandboxes/salesforce/index.js';

export interface HistoryProfile {
  readonly deals: number;
  /** Share of deals by number of stage changes after the first stage (3 = three or more). */
  readonly stageChanges: Readonly<Record<string, number>>;
  readonly meanStageChanges: number;
  readonly ownerChangedShare: number;
  /** Deals whose owner changed after they were won: the owner-history reads a pull needs. */
  readonly ownerChangedAfterWon: number;
}

const MAVEN = fileURLToPath(new URL('../../shared/data/maven-crm/sales_pipeline.csv', import.meta.url));

class Profiler {
  private deals = 0;
  private readonly changes = [0, 0, 0, 0];
  private changeSum = 0;
  private ownerChanged = 0;
  private afterWon = 0;

  add(stageChanges: number, ownerChanged: boolean, ownerChangedAfterWon: boolean): void {
    this.deals++;
    this.changes[Math.min(stageChanges, 3)]!++;
    this.changeSum += stageChanges;
    if (ownerChanged) this.ownerChanged++;
    if (ownerChangedAfterWon) this.afterWon++;
  }

  result(): HistoryProfile {
    const share = (n: number) => Math.round((n / Math.max(this.deals, 1)) * 1000) / 1000;
    return {
      deals: this.deals,
      stageChanges: {
        '0': share(this.changes[0]!),
        '1': share(this.changes[1]!),
        '2': share(this.changes[2]!),
        '3+': share(this.changes[3]!),
      },
      meanStageChanges: Math.round((this.changeSum / Math.max(this.deals, 1)) * 100) / 100,
      ownerChangedShare: share(this.ownerChanged),
      ownerChangedAfterWon: this.afterWon,
    };
  }
}

/**
 * Maven's `sales_pipeline.csv` has a final stage per deal: Prospecting (no change), Engaging (one:
 * prospecting → engaging), Won or Lost (two, by way of Engaging; both carry an engage_date). It
 * has one sales agent per deal, so no owner changes. Null when ../shared/data is absent.
 */
export function mavenProfile(): HistoryProfile | null {
  if (!existsSync(MAVEN)) return null;
  const [header, ...lines] = readFileSync(MAVEN, 'utf8').trim().split('\n');
  const at = (header ?? '').split(',').indexOf('deal_stage');
  const changesOf: Readonly<Record<string, number>> = { Prospecting: 0, Engaging: 1, Won: 2, Lost: 2 };
  const profiler = new Profiler();
  for (const line of lines) profiler.add(changesOf[line.split(',')[at] ?? ''] ?? 0, false, false);
  return profiler.result();
}

export function hubspotProfile(sandbox: HubspotSandbox): HistoryProfile {
  const won = new Set(
    sandbox.data.pipelines.flatMap((p) =>
      p.stages.filter((s) => s.isClosed && s.probability === 1).map((s) => s.id),
    ),
  );
  const profiler = new Profiler();
  for (const deal of sandbox.data.deals()) {
    const stages = deal.history['dealstage'] ?? [];
    const owners = deal.history['hubspot_owner_id'] ?? [];
    const wonAt = stages.find((entry) => won.has(entry.value))?.timestamp;
    profiler.add(
      Math.max(stages.length - 1, 0),
      owners.length > 1,
      wonAt !== undefined && owners.slice(1).some((entry) => entry.timestamp > wonAt),
    );
  }
  return profiler.result();
}

/**
 * OpportunityHistory holds one row per stage the opportunity entered (its first included);
 * OpportunityFieldHistory one `Owner` row per owner change with DataType `EntityId` (and a `Text`
 * twin, not counted). Reads every history row into memory: call it at the smaller sizes only.
 */
export function salesforceProfile(sandbox: SalesforceSandbox): HistoryProfile {
  const stageRows = new Map<string, number>();
  const wonAt = new Map<string, number>();
  for (const row of sandbox.data.records('OpportunityHistory')) {
    const id = String(row['OpportunityId']);
    stageRows.set(id, (stageRows.get(id) ?? 0) + 1);
    if (row['StageName'] === 'Closed Won') wonAt.set(id, Number(row['CreatedDate']));
  }
  const ownerChanges = new Map<string, number[]>();
  for (const row of sandbox.data.records('OpportunityFieldHistory')) {
    if (row['Field'] !== 'Owner' || row['DataType'] !== 'EntityId') continue;
    const id = String(row['OpportunityId']);
    ownerChanges.set(id, [...(ownerChanges.get(id) ?? []), Number(row['CreatedDate'])]);
  }
  const profiler = new Profiler();
  for (const row of sandbox.data.records('Opportunity')) {
    if (row['IsDeleted'] === true) continue;
    const id = String(row['Id']);
    const changes = ownerChanges.get(id) ?? [];
    const won = wonAt.get(id);
    profiler.add(
      Math.max((stageRows.get(id) ?? 1) - 1, 0),
      changes.length > 0,
      won !== undefined && changes.some((at) => at > won),
    );
  }
  return profiler.result();
}
