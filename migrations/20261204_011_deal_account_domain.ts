import { type Kysely, sql } from 'kysely';

/**
 * Account matching in lead routing (issue 18, DESIGN §11): the web domain of the company a deal
 * belongs to (HubSpot: the associated company's `domain`; Salesforce: the Account's `Website`),
 * so a lead whose email domain is that company's goes to the owner of its open deal. Null when
 * the CRM gave none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deals').addColumn('account_domain', 'text').execute();
  await sql`create index deals_account_domain on deals (connection_id, lower(account_domain))
    where account_domain is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists deals_account_domain`.execute(db);
  await db.schema.alterTable('deals').dropColumn('account_domain').execute();
}
