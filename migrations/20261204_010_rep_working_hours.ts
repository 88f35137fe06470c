import { type Kysely, sql } from 'kysely';

/**
 * Working hours on the rep-settings availability windows (issue 18, DESIGN §11): `working_hours`
 * as `HH:MM-HH:MM` (end before start is an overnight shift) and the IANA zone they are in
 * (`time_zone`; null = the connection's). Both null = available all day, as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('owner_settings').addColumn('working_hours', 'text').execute();
  await db.schema.alterTable('owner_settings').addColumn('time_zone', 'text').execute();
  await sql`alter table owner_settings add constraint owner_settings_zone_needs_hours
    check (time_zone is null or working_hours is not null)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('owner_settings').dropColumn('time_zone').execute();
  await db.schema.alterTable('owner_settings').dropColumn('working_hours').execute();
}
