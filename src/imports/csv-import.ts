import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { ImportFileError } from './import-file-error.js';

/**
 * The import rules of DESIGN.md §7 in one place: the whole file is validated first; any bad row
 * refuses the whole file and every bad row is listed with its line number and reason, unless
 * the caller chose to skip invalid rows.
 */
export interface CsvRow<T> {
  /** 1-based line in the file (the header is line 1). */
  readonly line: number;
  readonly value: T;
}

export interface CsvProblem {
  readonly line: number;
  readonly reason: string;
}

export interface CsvResult<T> {
  readonly rows: readonly CsvRow<T>[];
  readonly problems: readonly CsvProblem[];
}

export interface CsvSpec<S extends z.ZodType> {
  /** Columns every file must have (one of each group in `oneOf`). */
  readonly required: readonly string[];
  readonly optional: readonly string[];
  readonly oneOf?: readonly (readonly string[])[];
  readonly schema: S;
}

export async function readCsv<S extends z.ZodType>(
  file: string,
  spec: CsvSpec<S>,
): Promise<CsvResult<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ImportFileError(
      `Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path.`,
    );
  }
  return parseCsv(text, spec);
}

export function parseCsv<S extends z.ZodType>(text: string, spec: CsvSpec<S>): CsvResult<z.infer<S>> {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      skip_empty_lines: false,
      relax_column_count: true,
      trim: true,
    });
  } catch (error) {
    throw new ImportFileError(
      `The file is not valid CSV (${(error as Error).message}); fix it and import again.`,
    );
  }
  const header = (records[0] ?? []).map((cell) => cell.toLowerCase());
  const known = new Set([...spec.required, ...spec.optional, ...(spec.oneOf ?? []).flat()]);
  const missing = spec.required.filter((column) => !header.includes(column));
  for (const group of spec.oneOf ?? []) {
    const present = group.filter((column) => header.includes(column));
    if (present.length !== 1) missing.push(group.join(' or '));
  }
  const unknown = header.filter((column) => !known.has(column));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [
      missing.length > 0 && `missing column(s) ${missing.join(', ')}`,
      unknown.length > 0 && `unknown column(s) ${unknown.join(', ')}`,
    ].filter(Boolean);
    throw new ImportFileError(
      `The header is wrong (${parts.join('; ')}); expected ${[...spec.required, ...(spec.oneOf ?? []).map((g) => g.join('|'))].join(',')}${spec.optional.length ? `[,${spec.optional.join(',')}]` : ''}.`,
    );
  }
  const rows: CsvRow<z.infer<S>>[] = [];
  const problems: CsvProblem[] = [];
  records.slice(1).forEach((cells, index) => {
    const line = index + 2;
    if (cells.every((cell) => cell === '')) return;
    if (cells.length !== header.length) {
      problems.push({ line, reason: `has ${cells.length} fields, the header has ${header.length}` });
      return;
    }
    const object = Object.fromEntries(
      header.map((column, i) => [column, cells[i] === '' ? undefined : cells[i]]),
    );
    const parsed = spec.schema.safeParse(object);
    if (parsed.success) rows.push({ line, value: parsed.data });
    else {
      problems.push({
        line,
        reason: parsed.error.issues
          .map((issue) => `${issue.path.join('.') || 'row'} ${issue.message}`)
          .join('; '),
      });
    }
  });
  return { rows, problems };
}
