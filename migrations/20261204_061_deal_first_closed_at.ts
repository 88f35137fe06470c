import { type Kysely, sql } from 'kysely';

/**
 * `deals.first_closed_at`: the deal's first entry into a closed stage by its stage history (the
 * earliest `deal_history` stage row whose value is a closed stage of the connection), null when
 * the history shows none. The forecast's history model takes it as the closing moment; deriving
 * it from deal_history on every compute grouped all stage history (hm_closed, 5–10 s at 1M deals).
 *
 * Kept in the database rather than by each writer, so every path that adds history (a page's
 * write, merge folding, imports, tests that insert rows directly) keeps it without repeating
 * the rule: a statement trigger on deal_history lowers it from the rows a statement inserted,
 * and a trigger on stages recomputes the deals whose history names a stage that became closed
 * or open (rare: a pipeline edited in the CRM). The page write also sets it on the deals it
 * inserts, so a first pull does not write each closed deal twice (the trigger then finds it
 * equal). History rows are never updated or deleted (merges copy, deletes are soft), so
 * inserts are all the history trigger needs. History written before its deal's row does not
 * set it: every writer writes the deal first or in the same statement.
 */
const RECOMPUTE = sql`
  update deals d set first_closed_at = fc.closed_at
  from (
    select a.deal_id, (
      select min(h.changed_at) from deal_history h
      join stages s on s.connection_id = h.connection_id and s.external_id = h.value and s.is_closed
      where h.connection_id = c and h.deal_id = a.deal_id and h.field = 'stage'
    ) as closed_at
    from (select distinct h.deal_id from deal_history h
          where h.connection_id = c and h.field = 'stage' and h.value = any(stage_ids)) a
  ) fc
  where d.connection_id = c and d.external_id = fc.deal_id and d.first_closed_at is distinct from fc.closed_at;`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deals add column if not exists first_closed_at timestamptz`.execute(db);
  await sql`update deals d set first_closed_at = fc.closed_at
    from (
      select h.connection_id, h.deal_id, min(h.changed_at) as closed_at
      from deal_history h
      join stages s on s.connection_id = h.connection_id and s.external_id = h.value and s.is_closed
      where h.field = 'stage'
      group by h.connection_id, h.deal_id
    ) fc
    where d.connection_id = fc.connection_id and d.external_id = fc.deal_id`.execute(db);
  await sql`create or replace function salesops_history_first_close() returns trigger
    language plpgsql as $$
    begin
      update deals d set first_closed_at = fc.closed_at
      from (
        select n.connection_id, n.deal_id, min(n.changed_at) as closed_at
        from salesops_new_history n
        join stages s on s.connection_id = n.connection_id and s.external_id = n.value and s.is_closed
        where n.field = 'stage'
        group by n.connection_id, n.deal_id
      ) fc
      where d.connection_id = fc.connection_id and d.external_id = fc.deal_id
        and (d.first_closed_at is null or fc.closed_at < d.first_closed_at);
      return null;
    end $$`.execute(db);
  await sql`create trigger deal_history_first_close after insert on deal_history
    referencing new table as salesops_new_history
    for each statement execute function salesops_history_first_close()`.execute(db);
  await sql`create or replace function salesops_stage_first_close() returns trigger
    language plpgsql as $$
    declare
      c integer;
      stage_ids text[];
    begin
      if tg_op = 'DELETE' then
        c := old.connection_id; stage_ids := array[old.external_id];
      elsif tg_op = 'UPDATE' then
        c := new.connection_id; stage_ids := array[old.external_id, new.external_id];
      else
        c := new.connection_id; stage_ids := array[new.external_id];
      end if;
      ${RECOMPUTE}
      return null;
    end $$`.execute(db);
  // Only a change of closedness (or of the id history names) moves anyone's first close; the
  // pull's stage upserts that change a label or a probability fire nothing.
  await sql`create trigger stages_first_close_insert after insert on stages
    for each row when (new.is_closed) execute function salesops_stage_first_close()`.execute(db);
  await sql`create trigger stages_first_close_update after update on stages
    for each row when (old.is_closed is distinct from new.is_closed or old.external_id is distinct from new.external_id)
    execute function salesops_stage_first_close()`.execute(db);
  await sql`create trigger stages_first_close_delete after delete on stages
    for each row when (old.is_closed) execute function salesops_stage_first_close()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const trigger of [
    'stages_first_close_insert',
    'stages_first_close_update',
    'stages_first_close_delete',
  ])
    await sql`drop trigger if exists ${sql.raw(trigger)} on stages`.execute(db);
  await sql`drop trigger if exists deal_history_first_close on deal_history`.execute(db);
  await sql`drop function if exists salesops_stage_first_close()`.execute(db);
  await sql`drop function if exists salesops_history_first_close()`.execute(db);
  await sql`alter table deals drop column if exists first_closed_at`.execute(db);
}
