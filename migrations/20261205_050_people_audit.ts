import { type Kysely, sql } from 'kysely';

/**
 * People, their tokens and roles; the config audit log; the log of payout reads (issue 21,
 * DESIGN §13). Only a token's sha256 is kept: a stolen table holds no credential. An email is
 * unique among the people not removed, so a person removed by mistake can be added again; a
 * removed row stays for the audit log's sake.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table if not exists people (
    id serial primary key,
    email text not null check (email = lower(btrim(email)) and email <> ''),
    role text not null check (role in ('admin', 'ops', 'manager', 'rep')),
    teams text[] not null default '{}',
    token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
    token_expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    removed_at timestamptz
  )`.execute(db);
  await sql`create unique index if not exists people_email_idx
    on people (email) where removed_at is null`.execute(db);
  await sql`create unique index if not exists people_token_hash_idx on people (token_hash)`.execute(db);

  // No foreign keys: the log outlives what it names (a removed connection, a deleted schedule).
  await sql`create table if not exists config_audit (
    id bigserial primary key,
    at timestamptz not null default now(),
    actor text not null,
    entity text not null check (entity in ('connection', 'schedule', 'quota', 'rep_setting',
      'routing_rules', 'plan', 'assignment', 'adjustment', 'field_mapping', 'person')),
    key text not null,
    action text not null,
    before jsonb,
    after jsonb
  )`.execute(db);
  await sql`create index if not exists config_audit_at_idx on config_audit (at desc, id desc)`.execute(db);
  await sql`create index if not exists config_audit_entity_idx
    on config_audit (entity, at desc, id desc)`.execute(db);

  await sql`create table if not exists payout_reads (
    id bigserial primary key,
    at timestamptz not null default now(),
    reader text not null,
    connection_id integer not null,
    owner_id text not null,
    period_key text
  )`.execute(db);
  await sql`create index if not exists payout_reads_owner_idx
    on payout_reads (connection_id, owner_id, at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists payout_reads`.execute(db);
  await sql`drop table if exists config_audit`.execute(db);
  await sql`drop table if exists people`.execute(db);
}
