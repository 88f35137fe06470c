import { type Kysely, sql } from 'kysely';

/**
 * Lead routing (issue 18, DESIGN §11). `routing_rules`: every rules file a connection installed,
 * versioned by the hash of its canonical form; one is active. `routing_decisions`: one row per
 * routing hop of a lead (hop 0 the first decision, SLA re-routes 1, 2, …) with every member's
 * standing at that moment, the chosen owner (null: nobody eligible, the reason recorded) and
 * what the CRM said when the owner was written. The row is the claim: a lead with a chosen owner
 * is never decided again, so a crash between decision and write cannot assign it twice.
 *
 * The push tables gain `lead` as an object: the owner routing chose is written through the same
 * outbox as every other value (field `owner`, value the owner's CRM id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('routing_rules')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('rules', 'jsonb', (c) => c.notNull())
    .addColumn('installed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('routing_rules_pk', ['connection_id', 'hash'])
    .execute();
  await sql`create unique index routing_rules_one_active on routing_rules (connection_id) where active`.execute(
    db,
  );

  await db.schema
    .createTable('routing_decisions')
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('hop', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .addColumn('run_id', 'bigint')
    .addColumn('rules_hash', 'text', (c) => c.notNull())
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('rotation', 'account', 'sla_reroute')`))
    .addColumn('members', 'jsonb', (c) => c.notNull())
    .addColumn('chosen_owner_id', 'text')
    .addColumn('chosen_email', 'text')
    .addColumn('unrouted_reason', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('lead_created_at', 'timestamptz')
    .addColumn('write_outcome', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`write_outcome in ('pending', 'written', 'rejected', 'unrouted')`),
    )
    .addColumn('write_error', 'text')
    .addColumn('owner_written_at', 'timestamptz')
    .addColumn('speed_to_lead_seconds', 'numeric')
    .addPrimaryKeyConstraint('routing_decisions_pk', ['connection_id', 'lead_id', 'hop'])
    .execute();
  await sql`create index routing_decisions_by_time on routing_decisions (connection_id, decided_at)`.execute(
    db,
  );

  for (const table of ['push_state', 'push_outbox', 'push_results']) {
    await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.raw(`${table}_object_check`)}`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} add constraint ${sql.raw(`${table}_object_check`)}
      check (object in ('rep', 'deal', 'lead'))`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['push_state', 'push_outbox', 'push_results']) {
    await sql`delete from ${sql.table(table)} where object = 'lead'`.execute(db);
    await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.raw(`${table}_object_check`)}`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} add constraint ${sql.raw(`${table}_object_check`)}
      check (object in ('rep', 'deal'))`.execute(db);
  }
  await db.schema.dropTable('routing_decisions').ifExists().execute();
  await db.schema.dropTable('routing_rules').ifExists().execute();
}
