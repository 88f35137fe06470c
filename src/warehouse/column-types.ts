import type { ColumnType } from 'kysely';

/**
 * How Postgres types arrive through pg (see db.ts): timestamptz as Date, numeric as a string
 * (money stays exact); writes accept the looser input forms.
 */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Numeric = ColumnType<string, string | number, string | number>;
export type Json<T> = ColumnType<T, string, string>;
