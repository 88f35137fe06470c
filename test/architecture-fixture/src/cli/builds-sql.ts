// Deliberately wrong: a surface building SQL (surfaces-hold-no-sql must refuse it).
import { sql } from 'kysely';

export const query = sql`select 1`;
