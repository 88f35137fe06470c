import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { HubspotSandbox } from '../../sandboxes/hubspot/index.js';

/**
 * The demo's routing step (issue 18): each connection gets a rules file an admin would keep (one
 * pool, every rep in the rotation), installed with `salesops route rules`; then new leads arrive
 * in HubSpot (form fills without an owner) for the next sync's route stage to give owners, which
 * its push writes back. The Salesforce sandbox's org clock runs from midnight, so its Leads all
 * predate the rules: routing there has nothing new to take, and the line says so.
 */
export const DEMO_NEW_LEADS = 12;

const RULES = [
  '# Every new lead goes to the reps in the rotation (lead_weight > 0 in the rep settings).',
  'fallback: Everyone',
  'pools:',
  '  - name: Everyone',
  '    members: rotation',
  '',
].join('\n');

export async function installDemoRouting(
  cli: (argv: readonly string[]) => Promise<unknown>,
  names: readonly string[],
  outputDir: string,
): Promise<void> {
  for (const name of names) {
    const file = resolve(outputDir, `${name}-routing.yaml`);
    await writeFile(file, RULES);
    await cli(['route', 'rules', file, '--connection', name]);
  }
}

/** New contacts without an owner, created now (after the rules): the leads routing takes. */
export function arriveDemoLeads(hubspot: Pick<HubspotSandbox, 'createContact'>, now = Date.now()): void {
  for (let k = 1; k <= DEMO_NEW_LEADS; k++) {
    hubspot.createContact(
      { email: `new.lead${k}@prospect${k}.example`, hs_analytics_source: 'ORGANIC_SEARCH' },
      now + k,
    );
  }
}

export interface RoutingReportDoc {
  readonly routed?: number;
  readonly unrouted?: number;
  readonly reps?: readonly { readonly ownerEmail: string; readonly received: number }[];
}

/** One line on what routing did in the demo's sync. */
export function routingLine(sync: { routed?: number; unrouted?: number }, report: RoutingReportDoc): string {
  const routed = sync.routed ?? 0;
  if (routed === 0 && (sync.unrouted ?? 0) === 0) {
    return 'Routing: rules installed; no lead arrived after them, so there was nothing to route.';
  }
  const reps = (report.reps ?? []).filter((r) => r.received > 0);
  const most = Math.max(0, ...reps.map((r) => r.received));
  const least = Math.min(most, ...reps.map((r) => r.received));
  return `Routing: ${routed} new lead(s) given an owner across ${reps.length} rep(s) (${least}–${most} each), ${sync.unrouted ?? 0} left unrouted; owners written back in the same sync. Try \`salesops route explain LEAD --connection …\`.`;
}
