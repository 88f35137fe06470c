/**
 * The script a user would write to copy Salesforce opportunities into Postgres (issue 17's
 * peer): jsforce 3.10.16 `conn.query(soql).run({ autoFetch: true, maxFetch: Infinity })` (every
 * queryMore page into one array), then one parameterised INSERT per record on one `pg` Client,
 * autocommitted, into a plain table. No history, no leads, no worker. `bench/sync.ts` runs it
 * as a child process so its peak RSS is its own.
 *
 * Env: INSTANCE_URL, ACCESS_TOKEN, DATABASE_URL (an empty database). Prints one JSON line.
 */
import jsforce from 'jsforce';
import pg from 'pg';

const SOQL =
  'SELECT Id, Name, StageName, OwnerId, Amount, CloseDate, Probability, ForecastCategoryName, ' +
  'CreatedDate, LastModifiedDate FROM Opportunity';

interface Opportunity {
  readonly Id: string;
  readonly Name: string | null;
  readonly StageName: string | null;
  readonly OwnerId: string | null;
  readonly Amount: number | null;
  readonly CloseDate: string | null;
  readonly Probability: number | null;
  readonly ForecastCategoryName: string | null;
  readonly CreatedDate: string | null;
  readonly LastModifiedDate: string | null;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const started = performance.now();
const conn = new jsforce.Connection({
  instanceUrl: env('INSTANCE_URL'),
  accessToken: env('ACCESS_TOKEN'),
  version: '62.0',
});
const records = (await conn.query<Opportunity>(SOQL).run({ autoFetch: true, maxFetch: Infinity })).records;
const fetchedMs = performance.now() - started;

const db = new pg.Client({ connectionString: env('DATABASE_URL') });
await db.connect();
await db.query(`create table opportunities (
  id text primary key, name text, stage text, owner_id text, amount numeric, close_date date,
  probability numeric, forecast_category text, created_at timestamptz, modified_at timestamptz)`);
for (const r of records) {
  await db.query('insert into opportunities values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
    r.Id,
    r.Name,
    r.StageName,
    r.OwnerId,
    r.Amount,
    r.CloseDate,
    r.Probability,
    r.ForecastCategoryName,
    r.CreatedDate,
    r.LastModifiedDate,
  ]);
}
await db.end();
const wallMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ records: records.length, fetchMs: Math.round(fetchedMs), insertMs: Math.round(wallMs - fetchedMs), wallMs: Math.round(wallMs) })}\n`,
);
