import { normalizeId, recordId, recordNumber } from './ids.js';
import type { ObjectDef } from './schema.js';

export type Value = string | number | boolean | null;
/** Field name → value; datetime fields hold epoch ms, date fields `YYYY-MM-DD`. */
export type Row = Readonly<Record<string, Value>>;

/**
 * Where a table's generated rows come from. Rows are produced on demand from a handle (an
 * integer derived from the generator's index), so a million opportunities cost nothing until
 * they are read.
 */
export interface RowSource {
  handles(): Iterable<number>;
  row(handle: number): Row | undefined;
  handleOf(id: string): number | undefined;
  /** Handles of rows whose `field` equals `value` when the source can find them without a scan. */
  lookup?(field: string, value: string): readonly number[] | undefined;
}

/** Handles at or above this name rows created through the API (or by tests) after start. */
const ADDED_BASE = 2 ** 30;

/**
 * One sObject's rows: generated rows overlaid with edits, plus rows added later. Only the
 * differences from the generator live in memory.
 */
export class Table {
  private readonly overrides = new Map<number, Record<string, Value>>();
  private readonly removed = new Set<number>();
  private readonly added: (Row | undefined)[] = [];
  private readonly addedIds = new Map<string, number>();
  /** Parent-id index over added rows, for the same lookups the source answers. */
  private readonly addedIndex = new Map<string, Map<string, number[]>>();

  constructor(
    public def: ObjectDef,
    private readonly source: RowSource | null,
    private readonly pod: string,
    private readonly indexedFields: readonly string[] = [],
  ) {}

  get name(): string {
    return this.def.name;
  }

  *handles(): Iterable<number> {
    if (this.source) {
      for (const h of this.source.handles()) if (!this.removed.has(h)) yield h;
    }
    for (let i = 0; i < this.added.length; i++) if (this.added[i]) yield ADDED_BASE + i;
  }

  row(handle: number): Row | undefined {
    if (this.removed.has(handle)) return undefined;
    const base = handle >= ADDED_BASE ? this.added[handle - ADDED_BASE] : this.source?.row(handle);
    if (!base) return undefined;
    const edit = this.overrides.get(handle);
    return edit ? { ...base, ...edit } : base;
  }

  handleOf(id: string): number | undefined {
    const full = normalizeId(id);
    if (!full) return undefined;
    const added = this.addedIds.get(full);
    if (added !== undefined) return this.removed.has(added) ? undefined : added;
    const h = this.source?.handleOf(full);
    if (h === undefined || this.removed.has(h)) return undefined;
    return this.source?.row(h) ? h : undefined;
  }

  get(id: string): Row | undefined {
    const h = this.handleOf(id);
    return h === undefined ? undefined : this.row(h);
  }

  /** Candidate handles for `field = value`, or undefined when the table cannot narrow it. */
  lookup(field: string, value: string): number[] | undefined {
    if (field === 'Id') {
      const h = this.handleOf(value);
      return h === undefined ? [] : [h];
    }
    if (!this.indexedFields.includes(field)) return undefined;
    const full = normalizeId(value) ?? value;
    const fromSource = this.source?.lookup?.(field, full);
    if (this.source && !fromSource) return undefined;
    const fromAdded = this.addedIndex.get(field)?.get(full) ?? [];
    return [...(fromSource ?? []), ...fromAdded].filter((h) => !this.removed.has(h));
  }

  insert(fields: Record<string, Value>): string {
    const n = this.added.length;
    const id = recordId(this.def.keyPrefix, this.pod, 50_000_000 + n);
    const row: Row = { ...fields, Id: id };
    this.added.push(row);
    this.addedIds.set(id, ADDED_BASE + n);
    for (const f of this.indexedFields) {
      const v = row[f];
      if (typeof v !== 'string') continue;
      let byValue = this.addedIndex.get(f);
      if (!byValue) {
        byValue = new Map();
        this.addedIndex.set(f, byValue);
      }
      byValue.set(v, [...(byValue.get(v) ?? []), ADDED_BASE + n]);
    }
    return id;
  }

  update(handle: number, fields: Record<string, Value>): void {
    this.overrides.set(handle, { ...this.overrides.get(handle), ...fields });
  }

  /** Gone for good: not in queryAll either, and its id resolves to nothing. */
  hardDelete(handle: number): void {
    this.removed.add(handle);
    this.overrides.delete(handle);
  }

  /** The number of the row an id of this table names, for sources that derive ids. */
  static numberOf(id: string, def: ObjectDef, pod: string): number | undefined {
    return recordNumber(id, def.keyPrefix, pod);
  }
}

/** A source over a fixed array of rows built at start (users, stages, quotas...). */
export function arraySource(rows: readonly Row[], indexed: readonly string[] = []): RowSource {
  const byId = new Map<string, number>();
  rows.forEach((r, i) => {
    byId.set(String(r['Id']), i);
  });
  const indexes = new Map<string, Map<string, number[]>>();
  for (const f of indexed) {
    const m = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const v = r[f];
      if (typeof v === 'string') m.set(v, [...(m.get(v) ?? []), i]);
    });
    indexes.set(f, m);
  }
  return {
    handles: () => rows.keys(),
    row: (h) => rows[h],
    handleOf: (id) => byId.get(id),
    lookup: (f, v) => indexes.get(f)?.get(v) ?? (indexes.has(f) ? [] : undefined),
  };
}
