import { z } from 'zod';
import { toCents } from '../warehouse/money.js';
import { type CsvProblem, type CsvResult, type CsvRow, type CsvSpec, parseCsv } from './csv-import.js';

/**
 * `salesops comp assign FILE.csv` (DESIGN §12): a plan per rep and date range, both ends
 * inclusive, with an optional per-rep target incentive and recoverable draw (per payout period).
 * Judged whole like every import (DESIGN §7): bad rows are data, listed with their lines; the
 * surface refuses the file unless the person chose to skip them. Parsing and checking only;
 * storing the rows is the warehouse module's.
 */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(
    (value) => new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'is not a real calendar date',
  );
const amount = z
  .string()
  .regex(/^\d+(\.\d{1,2})?$/, 'must be an amount such as 20000 or 20000.50 (at most cents)');

export const compAssignmentRow = z
  .object({
    owner_email: z.email('must be an email address').transform((value) => value.toLowerCase()),
    plan: z.string().trim().min(1, 'must name a plan'),
    start: isoDate,
    end: isoDate,
    target_incentive: amount.optional(),
    draw: amount.optional(),
  })
  .refine((row) => row.start <= row.end, { message: 'must not be before start', path: ['end'] });
export type CompAssignmentRow = z.infer<typeof compAssignmentRow>;

export const compAssignmentsCsv: CsvSpec<typeof compAssignmentRow> = {
  required: ['owner_email', 'plan', 'start', 'end'],
  optional: ['target_incentive', 'draw'],
  schema: compAssignmentRow,
};

/**
 * One good row. The same shape as `CompAssignment` of src/comp/comp-model.ts (structurally, so
 * this import, which may not import a stage, hands its rows to the comp core as they are).
 */
export interface CompAssignment {
  readonly ownerEmail: string;
  readonly plan: string;
  readonly start: string;
  readonly end: string;
  readonly targetIncentiveCents: bigint | null;
  readonly drawCents: bigint | null;
}

export interface KnownForAssignments {
  /** Lower-cased emails of the connection's reps (owners that are not queues). */
  readonly ownerEmails: ReadonlySet<string>;
  /** Names of the plans added (`comp plan add`), as written. */
  readonly planNames: ReadonlySet<string>;
}

export interface ResolvedAssignments {
  /** Only the good rows, in file order. */
  readonly rows: readonly CsvRow<CompAssignment>[];
  /** Every bad row, by line. */
  readonly problems: readonly CsvProblem[];
}

/** Cross-row checks the row schema cannot make: the rep and the plan exist; one rep's ranges do not overlap. */
export function resolveCompAssignments(
  csv: CsvResult<CompAssignmentRow>,
  known: KnownForAssignments,
): ResolvedAssignments {
  const problems: CsvProblem[] = [...csv.problems];
  const rows: CsvRow<CompAssignment>[] = [];
  for (const { line, value } of csv.rows) {
    if (!known.ownerEmails.has(value.owner_email)) {
      problems.push({
        line,
        reason: `owner_email ${value.owner_email} is not a rep of this connection (sync first, or check the address)`,
      });
      continue;
    }
    if (!known.planNames.has(value.plan)) {
      problems.push({
        line,
        reason: `plan "${value.plan}" is not added yet (comp plan add FILE.yaml first)`,
      });
      continue;
    }
    const clash = rows.find(
      (r) =>
        r.value.ownerEmail === value.owner_email && r.value.start <= value.end && value.start <= r.value.end,
    );
    if (clash) {
      problems.push({
        line,
        reason: `${value.start}..${value.end} overlaps line ${clash.line} for ${value.owner_email}; a rep has one plan on a day`,
      });
      continue;
    }
    rows.push({
      line,
      value: {
        ownerEmail: value.owner_email,
        plan: value.plan,
        start: value.start,
        end: value.end,
        targetIncentiveCents: value.target_incentive === undefined ? null : toCents(value.target_incentive),
        drawCents: value.draw === undefined ? null : toCents(value.draw),
      },
    });
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows, problems };
}

/** parseCsv + resolveCompAssignments; an unreadable file or a wrong header is an ImportFileError. */
export function parseCompAssignments(text: string, known: KnownForAssignments): ResolvedAssignments {
  return resolveCompAssignments(parseCsv(text, compAssignmentsCsv), known);
}
