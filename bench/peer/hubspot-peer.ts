/**
 * The script a user would write to copy HubSpot deals into Postgres (issue 17's peer): the
 * official client's `getAll` (every page of 100 into one array), then one parameterised INSERT
 * per deal on one `pg` Client, autocommitted, into a plain table. No history, no contacts, no
 * rate budget, no worker. `bench/sync.ts` runs it as a child process so its peak RSS is its own.
 *
 * Env: SANDBOX_URL, ACCESS_TOKEN, DATABASE_URL (an empty database). Prints one JSON line.
 */
import { Client as HubSpot } from '@hubspot/api-client';
import pg from 'pg';

const PROPERTIES = [
  'dealname',
  'pipeline',
  'dealstage',
  'hubspot_owner_id',
  'amount',
  'deal_currency_code',
  'createdate',
  'closedate',
  'hs_lastmodifieddate',
];

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const started = performance.now();
const hubspot = new HubSpot({ accessToken: env('ACCESS_TOKEN'), basePath: env('SANDBOX_URL') });
const deals = await hubspot.crm.deals.getAll(100, undefined, PROPERTIES);
const fetchedMs = performance.now() - started;

const db = new pg.Client({ connectionString: env('DATABASE_URL') });
await db.connect();
await db.query(`create table deals (
  id text primary key, name text, pipeline text, stage text, owner_id text, amount numeric,
  currency text, created_at timestamptz, close_date timestamptz, modified_at timestamptz)`);
for (const deal of deals) {
  const p = deal.properties;
  await db.query('insert into deals values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
    deal.id,
    p['dealname'] ?? null,
    p['pipeline'] ?? null,
    p['dealstage'] ?? null,
    p['hubspot_owner_id'] || null,
    p['amount'] || null,
    p['deal_currency_code'] || null,
    p['createdate'] || null,
    p['closedate'] || null,
    p['hs_lastmodifieddate'] || null,
  ]);
}
await db.end();
const wallMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ records: deals.length, fetchMs: Math.round(fetchedMs), insertMs: Math.round(wallMs - fetchedMs), wallMs: Math.round(wallMs) })}\n`,
);
