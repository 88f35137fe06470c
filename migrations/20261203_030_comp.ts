import { type Kysely, sql } from 'kysely';

/**
 * Compensation (issue 19, DESIGN §12): plans by version, who is on which plan when, manual
 * lines, the team each rep was on over time, and the statements with their approval, disputes
 * and closes. Plans are global (a plan file names no connection); everything else is per
 * connection. Money is numeric (whole currency units, two decimals) as elsewhere.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table if not exists comp_plans (
    name text not null,
    hash text not null,
    yaml text not null,
    parsed jsonb not null,
    added_at timestamptz not null default now(),
    primary key (name, hash)
  )`.execute(db);

  await sql`create table if not exists comp_assignments (
    connection_id integer not null references connections (id) on delete cascade,
    owner_id text not null,
    plan_name text not null,
    start_date date not null,
    end_date date not null,
    target_incentive numeric,
    draw numeric,
    imported_at timestamptz not null default now(),
    primary key (connection_id, owner_id, start_date)
  )`.execute(db);

  // kind: manual (comp adjust) | restatement | clawback; the latter two name the deal and the
  // closed period they correct.
  await sql`create table if not exists comp_adjustments (
    id bigserial primary key,
    connection_id integer not null references connections (id) on delete cascade,
    owner_id text not null,
    period_key text not null,
    kind text not null default 'manual',
    amount numeric not null,
    reason text not null,
    deal_id text,
    source_period text,
    posted_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index if not exists comp_adjustments_period_idx
    on comp_adjustments (connection_id, period_key, owner_id)`.execute(db);
  // A restatement or clawback is posted once per deal (or none: a quota change), corrected period
  // and rep: a re-run of the comp step finds it and does not post it again.
  await sql`create unique index if not exists comp_adjustments_once_idx
    on comp_adjustments (connection_id, owner_id, kind, (coalesce(deal_id, '')), source_period)
    where source_period is not null`.execute(db);

  // Neither CRM keeps team history (DESIGN §12): each sync closes the rows that no longer hold
  // (valid_to, exclusive) and opens the new ones from that day.
  await sql`create table if not exists team_memberships (
    connection_id integer not null references connections (id) on delete cascade,
    owner_id text not null,
    team_id text not null,
    is_primary boolean not null,
    valid_from date not null,
    valid_to date,
    primary key (connection_id, owner_id, team_id, valid_from)
  )`.execute(db);
  await sql`create index if not exists team_memberships_open_idx
    on team_memberships (connection_id, owner_id) where valid_to is null`.execute(db);

  await sql`create table if not exists comp_periods (
    connection_id integer not null references connections (id) on delete cascade,
    period_key text not null,
    closed_at timestamptz not null default now(),
    forced boolean not null default false,
    primary key (connection_id, period_key)
  )`.execute(db);

  // inputs keeps what the statement was computed from, so a restatement after close diffs
  // against it rather than against a recomputation with today's data.
  await sql`create table if not exists comp_statements (
    connection_id integer not null references connections (id) on delete cascade,
    period_key text not null,
    owner_id text not null,
    plan_name text not null,
    plan_hash text not null,
    document jsonb not null,
    inputs jsonb not null,
    inputs_hash text not null,
    total numeric not null,
    draw_balance numeric not null default 0,
    status text not null default 'open' check (status in ('open', 'approved', 'closed')),
    approved_at timestamptz,
    computed_at timestamptz not null default now(),
    primary key (connection_id, period_key, owner_id)
  )`.execute(db);

  await sql`create table if not exists comp_disputes (
    id bigserial primary key,
    connection_id integer not null references connections (id) on delete cascade,
    period_key text not null,
    owner_id text not null,
    line_key text not null,
    comment text not null,
    opened_at timestamptz not null default now(),
    resolved_at timestamptz
  )`.execute(db);
  await sql`create index if not exists comp_disputes_open_idx
    on comp_disputes (connection_id, period_key) where resolved_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'comp_disputes',
    'comp_statements',
    'comp_periods',
    'team_memberships',
    'comp_adjustments',
    'comp_assignments',
    'comp_plans',
  ])
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
}
