/**
 * How fast the HubSpot sandbox serves deals through the list endpoint (100 per page, one
 * request at a time, as a connector pages), at zero latency. The sandbox runs in a child
 * process, so the figure is the server's, not the benchmark client's JSON parsing. Prints one
 * JSON document.
 *
 *   npx tsx bench/hubspot-sandbox.ts [deals]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHubspotSandbox } from '../sandboxes/hubspot/index.js';

const deals = Number(process.argv[2] ?? 100_000);
const PROPERTIES = [
  'dealstage',
  'hubspot_owner_id',
  'amount',
  'deal_currency_code',
  'amount_in_home_currency',
  'closedate',
  'pipeline',
  'hs_forecast_category',
  'hs_merged_object_ids',
].join(',');

interface Ready {
  readonly baseUrl: string;
  readonly accessToken: string;
}

if (process.env['HUBSPOT_SANDBOX_BENCH_SERVER'] === '1') {
  const sandbox = await startHubspotSandbox({ deals, seed: 1 });
  process.send?.({ baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken } satisfies Ready);
  process.on('disconnect', () => {
    void sandbox.close().then(() => process.exit(0));
  });
} else {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [String(deals)], {
    env: { ...process.env, HUBSPOT_SANDBOX_BENCH_SERVER: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    });
    const headers = { authorization: `Bearer ${ready.accessToken}` };
    let after: string | undefined;
    let served = 0;
    let pages = 0;
    let bytes = 0;
    const started = performance.now();
    do {
      const query = `limit=100&properties=${PROPERTIES}${after ? `&after=${after}` : ''}`;
      const response = await fetch(`${ready.baseUrl}/crm/v3/objects/deals?${query}`, { headers });
      const text = await response.text();
      bytes += text.length;
      const body = JSON.parse(text) as { results: unknown[]; paging?: { next?: { after: string } } };
      served += body.results.length;
      pages++;
      after = body.paging?.next?.after;
    } while (after);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'hubspot-sandbox-list-deals',
        portalDeals: deals,
        dealsServed: served,
        pages,
        seconds: Number(seconds.toFixed(3)),
        dealsPerSecond: Math.round(served / seconds),
        megabytes: Number((bytes / 1e6).toFixed(1)),
        node: process.version,
      })}\n`,
    );
  } finally {
    child.disconnect();
  }
}
