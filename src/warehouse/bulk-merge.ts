import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db.js';

/**
 * Set-based page writes (issue 17, step 3): a page's rows reach Postgres as one array per
 * column and come out of `unnest` as a relation, so a page of any size is one statement with a
 * fixed number of parameters (multi-row VALUES needs one per value and stops at 65,535: 2,001
 * deals with six history rows each). bench/page-writes.ts compared the shapes here, one page per
 * transaction (one run, 20,000 deals with 5 history rows each, a busy shared machine): at pages
 * of 100 deals unnest 43.6k rows/s, jsonb_to_recordset 39.0k, COPY into session staging tables
 * + one merge 24.1k, multi-row VALUES 21.7k; at 2,000 the set-based shapes are within noise of
 * each other (34.7k–43.2k). COPY would also need the raw driver client, which the page's Kysely
 * transaction does not expose.
 */
export type ColumnType = 'text' | 'numeric' | 'timestamptz' | 'date' | 'boolean' | 'integer';

/** A table's columns in insert order, with the Postgres type each array is cast to. */
export type Columns<R> = readonly (readonly [keyof R & string, ColumnType])[];

/**
 * `unnest($1::t1[], $2::t2[], …) as alias(c1, c2, …)` over `rows`: a missing value is null.
 * Values go as driver parameters (the driver writes and escapes the array literals).
 */
export function unnestRows<R extends object>(
  alias: string,
  columns: Columns<R>,
  rows: readonly R[],
): RawBuilder<unknown> {
  const arrays = columns.map(([name, type]) => {
    const values = rows.map((row) => (row as Record<string, unknown>)[name] ?? null);
    return sql`${values}::${sql.raw(type)}[]`;
  });
  return sql`unnest(${sql.join(arrays)}) as ${sql.raw(alias)}(${sql.raw(columns.map(([name]) => name).join(', '))})`;
}

/** The column names of `columns`, each prefixed by `alias.` (for select lists and row comparisons). */
export function columnList<R>(columns: Columns<R>, alias?: string): RawBuilder<unknown> {
  return sql.raw(columns.map(([name]) => (alias ? `${alias}.${name}` : name)).join(', '));
}

/**
 * Lets the page's transaction commit without waiting for its WAL to reach disk. A page, its
 * checkpoint and its run counts still commit or vanish together; what a crash of Postgres itself
 * (not of our process) can now lose is the last few committed pages (at most three WAL writer
 * delays, 600 ms by default), and the run then resumes from the checkpoint before them and reads
 * them again from the CRM, which holds them. Any later ordinary commit (the run's finish) flushes
 * them. Waiting for the flush of every page was the largest single cost of a page of 100 deals:
 * bench/page-writes.ts measured unnest 34k rows/s durable, 49k without the wait, in one run.
 */
export async function commitWithoutFlushWait(trx: Db): Promise<void> {
  await sql`set local synchronous_commit = off`.execute(trx);
}
