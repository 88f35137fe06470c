import { afterEach, describe, expect, it } from 'vitest';
import type { SalesforceSandbox } from '../../../sandboxes/salesforce/index.js';
import { connect, failure, manualClock, queryMoreOptions, start } from './sandbox-fixture.js';

type Rec = Record<string, unknown>;
let sandbox: SalesforceSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const INCREMENTAL =
  'SELECT Id, SystemModstamp, IsDeleted, StageName, Amount FROM Opportunity ORDER BY SystemModstamp, Id';

describe('query + queryMore through jsforce 3.10.16', () => {
  it('pages 2,001 opportunities in a page of 2,000 and a page of 1, in (SystemModstamp, Id) order', async () => {
    // 2,001 is one past the default (and maximum) batch size: the smallest org that needs a queryMore.
    sandbox = await start({ deals: 2001 });
    const conn = connect(sandbox);
    const first = await conn.query<Rec>(INCREMENTAL, { scanAll: true });
    expect(first.totalSize).toBe(2001);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-2000$/);
    const second = await conn.queryMore<Rec>(first.nextRecordsUrl!, queryMoreOptions());
    expect(second.done).toBe(true);
    expect(second.records).toHaveLength(1);
    expect(second.nextRecordsUrl).toBeUndefined();
    const all = [...first.records, ...second.records];
    expect(new Set(all.map((r) => r['Id'])).size).toBe(2001);
    const keys = all.map((r) => `${String(r['SystemModstamp'])}|${String(r['Id'])}`);
    expect(keys).toEqual([...keys].sort());
    expect(all[0]!['SystemModstamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    expect(all[0]!['attributes']).toEqual({
      type: 'Opportunity',
      url: `/services/data/v62.0/sobjects/Opportunity/${String(all[0]!['Id'])}`,
    });
  });

  it('honours Sforce-Query-Options batchSize (clamped to 200..2,000)', async () => {
    sandbox = await start({ deals: 1001 });
    const conn = connect(sandbox);
    const sizes: number[] = [];
    let page = await conn.query<Rec>('SELECT Id FROM Opportunity', {
      scanAll: true,
      headers: { 'Sforce-Query-Options': 'batchSize=500' },
    });
    sizes.push(page.records.length);
    while (!page.done) {
      page = await conn.queryMore<Rec>(page.nextRecordsUrl!, queryMoreOptions(500));
      sizes.push(page.records.length);
    }
    expect(sizes).toEqual([500, 500, 1]);
    const tiny = await conn.query<Rec>('SELECT Id FROM Opportunity', {
      headers: { 'Sforce-Query-Options': 'batchSize=10' },
    });
    expect(tiny.records).toHaveLength(200);
  });

  it('query hides deleted rows, queryAll shows them, and a hard delete is gone from both', async () => {
    sandbox = await start({ deals: 300 });
    const conn = connect(sandbox);
    const live = (await conn.query<Rec>('SELECT Id FROM Opportunity')).records.map((r) => String(r['Id']));
    const [soft, hard] = live;
    sandbox.softDelete('Opportunity', soft!);
    sandbox.hardDelete('Opportunity', hard!);
    const after = (await conn.query<Rec>('SELECT Id FROM Opportunity')).records.map((r) => r['Id']);
    expect(after).toHaveLength(live.length - 2);
    expect(after).not.toContain(soft);
    const all = await conn.query<Rec>(
      `SELECT Id, IsDeleted FROM Opportunity WHERE Id IN ('${soft}', '${hard}')`,
      { scanAll: true },
    );
    expect(all.records.map((r) => [r['Id'], r['IsDeleted']])).toEqual([[soft, true]]);
    // Even asking for deleted rows explicitly, query (not queryAll) returns none.
    expect((await conn.query<Rec>('SELECT Id FROM Opportunity WHERE IsDeleted = true')).totalSize).toBe(0);
    const deletedByGenerator = sandbox.data
      .records('Opportunity')
      .filter((r) => r['IsDeleted'] === true).length;
    expect(
      (await conn.query<Rec>('SELECT Id FROM Opportunity WHERE IsDeleted = true', { scanAll: true }))
        .totalSize,
    ).toBe(deletedByGenerator);
  });

  it('filters, orders and limits like SOQL (case-insensitive text, != keeps nulls, IN on ids)', async () => {
    sandbox = await start({ deals: 400 });
    const conn = connect(sandbox);
    const rows = sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    const won = await conn.query<Rec>(
      "SELECT Id FROM Opportunity WHERE stagename = 'closed won' AND Amount >= 10000",
    );
    expect(won.totalSize).toBe(
      rows.filter((r) => r['StageName'] === 'Closed Won' && Number(r['Amount']) >= 10000).length,
    );
    const notWon = await conn.query<Rec>('SELECT Id FROM Opportunity WHERE Amount != 6400');
    expect(notWon.totalSize).toBe(rows.filter((r) => r['Amount'] !== 6400).length);
    const top = await conn.query<Rec>(
      'SELECT Id, Amount FROM Opportunity ORDER BY Amount DESC NULLS LAST, Id LIMIT 5',
    );
    const amounts = top.records.map((r) => r['Amount'] as number);
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    expect(amounts[0]).toBe(Math.max(...rows.map((r) => Number(r['Amount'] ?? 0))));
    const ids = rows.slice(0, 3).map((r) => String(r['Id']).slice(0, 15));
    const byId = await conn.query<Rec>(`SELECT Id FROM Opportunity WHERE Id IN ('${ids.join("','")}')`);
    expect(byId.totalSize).toBe(3);
    const closedThisYear = await conn.query<Rec>(
      'SELECT Id FROM Opportunity WHERE CloseDate >= 2026-01-01 AND IsClosed = true',
    );
    expect(closedThisYear.totalSize).toBe(
      rows.filter((r) => r['IsClosed'] === true && String(r['CloseDate']) >= '2026-01-01').length,
    );
  });

  it('answers unknown objects and fields with INVALID_TYPE / INVALID_FIELD', async () => {
    sandbox = await start();
    const conn = connect(sandbox);
    expect((await failure(conn.query('SELECT Id FROM Opportunityy'))).errorCode).toBe('INVALID_TYPE');
    const bad = await failure(conn.query('SELECT Id, Foo__c FROM Opportunity'));
    expect(bad.errorCode).toBe('INVALID_FIELD');
    expect(bad.message).toContain("No such column 'Foo__c' on entity 'Opportunity'");
    // Single-currency org: CurrencyIsoCode does not exist and CurrencyType is no sObject.
    expect((await failure(conn.query('SELECT CurrencyIsoCode FROM Opportunity'))).errorCode).toBe(
      'INVALID_FIELD',
    );
    expect((await failure(conn.query('SELECT IsoCode FROM CurrencyType'))).errorCode).toBe('INVALID_TYPE');
    expect((await failure(conn.query("SELECT Id FROM Opportunity WHERE Amount = '5'"))).errorCode).toBe(
      'INVALID_FIELD',
    );
    expect(
      (await failure(conn.query('SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z')))
        .errorCode,
    ).toBe('INVALID_FIELD');
    expect((await failure(conn.query('SELECT Id FROM Opportunity WHERE'))).errorCode).toBe('MALFORMED_QUERY');
  });

  it('expires a cursor after 15 idle minutes with INVALID_QUERY_LOCATOR', async () => {
    const clock = manualClock();
    sandbox = await start({ deals: 450, clock, sessionTtlMs: 24 * 3_600_000 });
    const conn = connect(sandbox);
    const opts = { headers: { 'Sforce-Query-Options': 'batchSize=200' } };
    const first = await conn.query<Rec>('SELECT Id FROM Opportunity', opts);
    clock.advance(14 * 60_000);
    const second = await conn.queryMore<Rec>(first.nextRecordsUrl!, queryMoreOptions(200));
    expect(second.records).toHaveLength(200);
    // Using the cursor reset its idle timer; 15 minutes and a second more of silence kill it.
    clock.advance(15 * 60_000 + 1000);
    const e = await failure(conn.queryMore(second.nextRecordsUrl!, queryMoreOptions(200)));
    expect(e.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });
});

describe('describe, limits and the daily allowance', () => {
  it('describes Opportunity with Salesforce field properties', async () => {
    sandbox = await start({ multiCurrency: true });
    const conn = connect(sandbox);
    const d = await conn.describe('Opportunity');
    expect(d.name).toBe('Opportunity');
    expect(d.keyPrefix).toBe('006');
    const byName = new Map(d.fields.map((f) => [f.name, f]));
    expect(byName.get('Amount')).toMatchObject({
      type: 'currency',
      updateable: true,
      custom: false,
      soapType: 'xsd:double',
    });
    expect(byName.get('IsWon')).toMatchObject({ type: 'boolean', updateable: false });
    expect(byName.get('OwnerId')).toMatchObject({
      type: 'reference',
      referenceTo: ['User'],
      relationshipName: 'Owner',
    });
    expect(byName.get('CurrencyIsoCode')?.picklistValues?.map((p) => p.value)).toEqual([
      'USD',
      'EUR',
      'GBP',
      'CAD',
    ]);
    expect(byName.get('StageName')?.picklistValues?.map((p) => p.value)).toContain('Closed Won');
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Opportunity', 'Lead', 'User', 'CurrencyType', 'ForecastingQuota']),
    );
    const rates = await conn.query<Rec>(
      'SELECT IsoCode, ConversionRate, IsCorporate FROM CurrencyType ORDER BY IsoCode',
    );
    expect(rates.records.map((r) => [r['IsoCode'], r['IsCorporate']])).toContainEqual(['USD', true]);
  });

  it('reports usage on every response and refuses with REQUEST_LIMIT_EXCEEDED when the day is spent', async () => {
    sandbox = await start({ dailyLimit: 3 });
    const conn = connect(sandbox);
    await conn.query('SELECT Id FROM Organization');
    expect(conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 3 });
    const limits = await conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 3, Remaining: 1 });
    await conn.query('SELECT Id FROM Organization');
    const e = await failure(conn.query('SELECT Id FROM Organization'));
    expect(e.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(e.message).toBe('TotalRequests Limit exceeded.');
    expect(sandbox.requests.at(-1)).toMatchObject({ status: 403, mutating: false });
  });

  it('frees the allowance as requests leave the rolling 24 hours', async () => {
    const clock = manualClock();
    sandbox = await start({ dailyLimit: 2, clock, sessionTtlMs: 48 * 3_600_000 });
    const conn = connect(sandbox);
    sandbox.spendApiRequests(2);
    expect((await failure(conn.query('SELECT Id FROM Organization'))).errorCode).toBe(
      'REQUEST_LIMIT_EXCEEDED',
    );
    clock.advance(24 * 3_600_000 + 60_000);
    const org = await conn.query<Rec>('SELECT Id, FiscalYearStartMonth FROM Organization');
    expect(org.records[0]!['FiscalYearStartMonth']).toBe(2);
  });
});
