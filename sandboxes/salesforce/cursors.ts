import { ApiError } from './api-error.js';
import { recordId } from './ids.js';
import type { FieldDef } from './schema.js';
import type { Row, Table } from './table.js';

export interface Cursor {
  readonly id: string;
  readonly userId: string;
  readonly table: Table;
  readonly objectName: string;
  readonly columns: readonly FieldDef[];
  readonly handles: readonly number[];
  /** Rows captured when the query ran (small results); null: read them from the table per page. */
  readonly rows: readonly Row[] | null;
  readonly batchSize: number;
  readonly tooling: boolean;
  lastUsed: number;
}

/** Salesforce drops a query cursor after 15 minutes without a queryMore. */
export const CURSOR_IDLE_MS = 15 * 60_000;
/** Each user may hold 10 open cursors; opening an 11th closes the oldest. */
export const MAX_OPEN_CURSORS = 10;

export class Cursors {
  private readonly open = new Map<string, Cursor>();
  private next = 1;

  constructor(private readonly clock: { now(): number }) {}

  create(fields: Omit<Cursor, 'id' | 'lastUsed'>): Cursor {
    this.expire();
    const mine = [...this.open.values()].filter((c) => c.userId === fields.userId);
    if (mine.length >= MAX_OPEN_CURSORS) {
      const oldest = mine.reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b));
      this.open.delete(oldest.id);
    }
    const cursor: Cursor = { ...fields, id: recordId('01g', '5g', this.next++), lastUsed: this.clock.now() };
    this.open.set(cursor.id, cursor);
    return cursor;
  }

  /** The cursor behind a locator (`<cursor id>-<offset>`), touched; INVALID_QUERY_LOCATOR otherwise. */
  take(locator: string): { cursor: Cursor; offset: number } {
    this.expire();
    const m = /^([a-zA-Z0-9]{15,18})-(\d+)$/.exec(locator);
    const cursor = m ? this.open.get(m[1]!) : undefined;
    const offset = m ? Number(m[2]) : Number.NaN;
    if (!cursor || !(offset >= 0 && offset <= cursor.handles.length)) {
      throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.lastUsed = this.clock.now();
    return { cursor, offset };
  }

  close(id: string): void {
    this.open.delete(id);
  }

  count(): number {
    return this.open.size;
  }

  private expire(): void {
    const now = this.clock.now();
    for (const [id, c] of this.open) if (now - c.lastUsed > CURSOR_IDLE_MS) this.open.delete(id);
  }
}
