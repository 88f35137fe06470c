import { type Kysely, sql } from 'kysely';

/**
 * What started a run (issue 20, DESIGN §7 `runs`): the scheduler, the CLI, the HTTP API, a CRM
 * webhook or the demo. 'manual' was the CLI's name before the API could start runs too, so the
 * CLI's runs become 'cli'; a check keeps a writer from inventing a sixth.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update sync_runs set trigger = 'cli' where trigger = 'manual'`.execute(db);
  await sql`alter table sync_runs alter column trigger set default 'cli'`.execute(db);
  await sql`alter table sync_runs add constraint sync_runs_trigger_check
    check (trigger in ('schedule', 'cli', 'api', 'webhook', 'demo'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sync_runs drop constraint if exists sync_runs_trigger_check`.execute(db);
  await sql`alter table sync_runs alter column trigger set default 'manual'`.execute(db);
  await sql`update sync_runs set trigger = 'manual' where trigger = 'cli'`.execute(db);
}
