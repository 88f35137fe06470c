import { z } from 'zod';
import { toCents } from '../warehouse/money.js';
import { type CsvProblem, type CsvResult, type CsvRow, type CsvSpec, parseCsv } from './csv-import.js';

/**
 * `salesops comp adjust FILE.csv` (DESIGN §12): manual adjustments and SPIFs, one line per rep
 * and payout period (`owner_email,period,amount,reason`; a negative amount corrects downwards).
 * Judged whole like every import (DESIGN §7); parsing and checking only, storing is the
 * warehouse module's. The period is checked for its form here; whether it is open is the
 * caller's question (a closed period takes no new lines).
 */
const PERIOD = /^\d{4}-(Q[1-4]|0[1-9]|1[0-2])$/;

export const compAdjustmentRow = z.object({
  owner_email: z.email('must be an email address').transform((value) => value.toLowerCase()),
  period: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine((value) => PERIOD.test(value), 'must be a payout period such as 2026-Q3 or 2026-07'),
  amount: z
    .string()
    .regex(/^-?\d+(\.\d{1,2})?$/, 'must be an amount such as 500 or -120.50 (at most cents)')
    .refine((value) => Number(value) !== 0, 'must not be 0'),
  reason: z
    .string({ error: 'must say why (the rep reads it on their statement)' })
    .trim()
    .min(1, 'must say why (the rep reads it on their statement)'),
});
export type CompAdjustmentRow = z.infer<typeof compAdjustmentRow>;

export const compAdjustmentsCsv: CsvSpec<typeof compAdjustmentRow> = {
  required: ['owner_email', 'period', 'amount', 'reason'],
  optional: [],
  schema: compAdjustmentRow,
};

export interface CompAdjustment {
  readonly ownerEmail: string;
  readonly period: string;
  readonly amountCents: bigint;
  readonly reason: string;
}

export interface ResolvedAdjustments {
  readonly rows: readonly CsvRow<CompAdjustment>[];
  readonly problems: readonly CsvProblem[];
}

export function signedCents(amount: string): bigint {
  const negative = amount.startsWith('-');
  const cents = toCents(negative ? amount.slice(1) : amount) as bigint;
  return negative ? -cents : cents;
}

/** Cross-row checks: the rep exists; a line repeated in one file is refused (a SPIF paid twice says so in its reason). */
export function resolveCompAdjustments(
  csv: CsvResult<CompAdjustmentRow>,
  known: { readonly ownerEmails: ReadonlySet<string> },
): ResolvedAdjustments {
  const problems: CsvProblem[] = [...csv.problems];
  const rows: CsvRow<CompAdjustment>[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of csv.rows) {
    if (!known.ownerEmails.has(value.owner_email)) {
      problems.push({
        line,
        reason: `owner_email ${value.owner_email} is not a rep of this connection (sync first, or check the address)`,
      });
      continue;
    }
    const adjustment: CompAdjustment = {
      ownerEmail: value.owner_email,
      period: value.period,
      amountCents: signedCents(value.amount),
      reason: value.reason,
    };
    const key = JSON.stringify([
      adjustment.ownerEmail,
      adjustment.period,
      String(adjustment.amountCents),
      adjustment.reason,
    ]);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ line, reason: `repeats line ${first}; give each adjustment its own reason` });
      continue;
    }
    seen.set(key, line);
    rows.push({ line, value: adjustment });
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows, problems };
}

export function parseCompAdjustments(
  text: string,
  known: { readonly ownerEmails: ReadonlySet<string> },
): ResolvedAdjustments {
  return resolveCompAdjustments(parseCsv(text, compAdjustmentsCsv), known);
}
