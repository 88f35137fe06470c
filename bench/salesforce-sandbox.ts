/**
 * Records per second the Salesforce sandbox serves at zero latency: 100,000 opportunities read
 * through jsforce's query + queryMore at batchSize 2,000, ordered as the connector pages them
 * (SystemModstamp, Id, through queryAll). Prints one JSON document.
 */
import jsforce from 'jsforce';
import { startSalesforceSandbox } from '../sandboxes/salesforce/index.js';

const deals = Number(process.env['BENCH_DEALS'] ?? 100_000);
const sandbox = await startSalesforceSandbox({ deals, seed: 7, now: new Date('2026-03-15T12:00:00Z') });
try {
  const conn = new jsforce.Connection({
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    version: '62.0',
  });
  const headers = { 'Sforce-Query-Options': 'batchSize=2000' };
  const more = {
    headers,
    maxFetch: 10_000,
    autoFetch: false,
    scanAll: false,
    responseTarget: 'QueryResult' as const,
  };
  const soql =
    'SELECT Id, Name, Amount, CloseDate, StageName, OwnerId, Probability, ForecastCategoryName, CreatedDate, ' +
    'LastModifiedDate, SystemModstamp, IsDeleted, IsClosed, IsWon FROM Opportunity ORDER BY SystemModstamp, Id';
  const started = performance.now();
  let page = await conn.query(soql, { headers, scanAll: true });
  let records = page.records.length;
  let pages = 1;
  const firstPageMs = performance.now() - started;
  while (!page.done && page.nextRecordsUrl) {
    page = await conn.queryMore(page.nextRecordsUrl, more);
    records += page.records.length;
    pages += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      benchmark: 'salesforce-sandbox',
      deals,
      records,
      pages,
      batchSize: 2000,
      firstPageMs: Math.round(firstPageMs),
      seconds: Number(seconds.toFixed(3)),
      recordsPerSecond: Math.round(records / seconds),
      node: process.version,
    }),
  );
} finally {
  await sandbox.close();
}
