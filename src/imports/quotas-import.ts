import { basename } from 'node:path';
import { z } from 'zod';
import { connectionHolidays } from '../calendar/connection-holidays.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { centsToDecimal, toCents } from '../warehouse/money.js';
import { spreadQuota, upsertCsvQuotaMonths } from '../warehouse/quotas.js';
import type { CsvProblem, CsvResult, CsvSpec } from './csv-import.js';

/**
 * `salesops quotas import`: CSV rows → validated month rows → one upsert. Rules (DESIGN §7):
 * - Header `owner_email,period_start,period_end,amount[,currency]`, or `team_name` instead of
 *   `owner_email` for an explicit team quota. Emails match case-insensitively among owners that
 *   are not deleted (an active owner is preferred over a deactivated one with the same email).
 * - Rows of one file for the same subject must not overlap in time; rows that cover different
 *   parts of one month (e.g. two half-months) add up for that month.
 * - A file's month rows replace earlier CSV rows for the same subject and months; months the
 *   file does not mention keep their earlier values. Re-importing the same file changes nothing
 *   (rows are only rewritten when amount or currency differ).
 * - `currency`, when given, must be the connection's home currency: there are no CRM rates for
 *   quotas, and attainment is computed in the home currency.
 */
const isoDate = z.iso.date({ message: 'must be a date as YYYY-MM-DD' });

export const quotaCsvSpec = {
  required: ['period_start', 'period_end', 'amount'],
  optional: ['currency'],
  oneOf: [['owner_email', 'team_name']],
  schema: z
    .object({
      owner_email: z.string().min(3).optional(),
      team_name: z.string().min(1).optional(),
      period_start: isoDate,
      period_end: isoDate,
      amount: z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative number such as 125000 or 125000.50'),
      currency: z
        .string()
        .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO code such as USD')
        .transform((c) => c.toUpperCase())
        .optional(),
    })
    .refine((row) => (row.owner_email === undefined) !== (row.team_name === undefined), {
      // No path: the reader would prefix "owner_email" and name that field twice.
      message: 'needs an owner_email or a team_name, one of the two',
      path: [],
    })
    .superRefine((row, ctx) => {
      // The CSV reader prefixes the issue's path, so the message names period_end only once.
      if (row.period_end < row.period_start)
        ctx.addIssue({
          code: 'custom',
          path: ['period_end'],
          message: `${row.period_end} is before period_start ${row.period_start}; swap the two dates`,
        });
    }),
} satisfies CsvSpec<z.ZodType>;

export type QuotaCsvRow = z.infer<typeof quotaCsvSpec.schema>;

export interface QuotaMonthRow {
  readonly ownerId: string | null;
  readonly teamId: string | null;
  readonly month: string;
  readonly cents: bigint;
  readonly lines: readonly number[];
}

export interface QuotaImportPlan {
  readonly months: readonly QuotaMonthRow[];
  readonly problems: readonly CsvProblem[];
  /** Lines whose rows are valid and produce month rows. */
  readonly goodLines: readonly number[];
}

interface Subject {
  readonly ownerId: string | null;
  readonly teamId: string | null;
}

async function lookups(db: Db, connectionId: number) {
  const owners = await db
    .selectFrom('owners')
    .select(['external_id', 'email', 'active'])
    .where('connection_id', '=', connectionId)
    .where('is_deleted', '=', false)
    .where('email', 'is not', null)
    .execute();
  const byEmail = new Map<string, { id: string; active: boolean }[]>();
  for (const o of owners) {
    const key = (o.email as string).toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), { id: o.external_id, active: o.active }]);
  }
  const teams = await db
    .selectFrom('teams')
    .select(['external_id', 'name'])
    .where('connection_id', '=', connectionId)
    .execute();
  const byTeam = new Map<string, string[]>();
  for (const t of teams) {
    const key = t.name.trim().toLowerCase();
    byTeam.set(key, [...(byTeam.get(key) ?? []), t.external_id]);
  }
  return { byEmail, byTeam };
}

/** Validates every row against the warehouse and spreads the good ones over months. */
export async function planQuotaImport(
  db: Db,
  connection: Connection,
  csv: CsvResult<QuotaCsvRow>,
): Promise<QuotaImportPlan> {
  const { byEmail, byTeam } = await lookups(db, connection.id);
  const holidays = connectionHolidays(connection);
  const problems: CsvProblem[] = [...csv.problems];
  const accepted = new Map<string, { start: string; end: string; line: number }[]>();
  const months = new Map<string, { subject: Subject; month: string; cents: bigint; lines: number[] }>();
  const goodLines: number[] = [];

  for (const { line, value: row } of csv.rows) {
    let subject: Subject;
    if (row.owner_email !== undefined) {
      const matches = byEmail.get(row.owner_email.toLowerCase()) ?? [];
      const active = matches.filter((m) => m.active);
      const pick = matches.length === 1 ? matches : active;
      if (matches.length === 0) {
        problems.push({ line, reason: `no owner has the email ${row.owner_email}` });
        continue;
      }
      if (pick.length !== 1) {
        problems.push({ line, reason: `${matches.length} owners share the email ${row.owner_email}` });
        continue;
      }
      subject = { ownerId: (pick[0] as { id: string }).id, teamId: null };
    } else {
      const matches = byTeam.get((row.team_name as string).trim().toLowerCase()) ?? [];
      if (matches.length !== 1) {
        problems.push({
          line,
          reason:
            matches.length === 0
              ? `no team is named ${row.team_name}`
              : `${matches.length} teams are named ${row.team_name}`,
        });
        continue;
      }
      subject = { ownerId: null, teamId: matches[0] as string };
    }
    if (row.currency !== undefined && connection.currency !== null && row.currency !== connection.currency) {
      problems.push({
        line,
        reason: `currency ${row.currency} is not the connection's home currency ${connection.currency}; convert the amount first`,
      });
      continue;
    }
    const key = `${subject.ownerId ?? ''}\u0000${subject.teamId ?? ''}`;
    const clash = (accepted.get(key) ?? []).find(
      (r) => r.start <= row.period_end && row.period_start <= r.end,
    );
    if (clash) {
      problems.push({
        line,
        reason: `overlaps line ${clash.line} for the same ${subject.ownerId ? 'owner' : 'team'}`,
      });
      continue;
    }
    const shares = spreadQuota(row.period_start, row.period_end, toCents(row.amount) as bigint, holidays);
    if (shares.length === 0) {
      problems.push({ line, reason: `${row.period_start}..${row.period_end} has no working day` });
      continue;
    }
    accepted.set(key, [...(accepted.get(key) ?? []), { start: row.period_start, end: row.period_end, line }]);
    goodLines.push(line);
    for (const share of shares) {
      const monthKey = `${key}\u0000${share.month}`;
      const existing = months.get(monthKey);
      if (existing) {
        existing.cents += share.cents;
        existing.lines.push(line);
      } else months.set(monthKey, { subject, month: share.month, cents: share.cents, lines: [line] });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return {
    problems,
    goodLines,
    months: [...months.values()].map((m) => ({
      ownerId: m.subject.ownerId,
      teamId: m.subject.teamId,
      month: m.month,
      cents: m.cents,
      lines: m.lines,
    })),
  };
}

export interface QuotaImportResult {
  readonly months: number;
  readonly changed: number;
  readonly totalCents: bigint;
}

/** Writes the planned month rows as `source='csv'`, in one statement (all or nothing). */
export async function applyQuotaImport(
  db: Db,
  connection: Connection,
  file: string,
  months: readonly QuotaMonthRow[],
): Promise<QuotaImportResult> {
  const totalCents = months.reduce((sum, m) => sum + m.cents, 0n);
  if (months.length === 0) return { months: 0, changed: 0, totalCents };
  const name = basename(file);
  const changed = await upsertCsvQuotaMonths(
    db,
    connection.id,
    months.map((m) => ({
      ownerId: m.ownerId,
      teamId: m.teamId,
      month: m.month,
      amount: centsToDecimal(m.cents),
      currency: connection.currency,
      sourceRef: `${name}:${m.lines.join(',')}`,
    })),
  );
  return { months: months.length, changed, totalCents };
}
