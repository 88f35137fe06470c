import type { RepStatement, StatementsDocument } from '../comp/comp-model.js';

/**
 * `comp statements` (DESIGN §7): the stored statements of a period as one document, and the
 * payroll CSV (one row per rep: email, period, each component, adjustments, total). The
 * statements are stored as the comp step computed them, so this only assembles and flattens.
 */
export function compStatementsDocument(
  period: { readonly start: string; readonly end: string },
  currency: string,
  closed: boolean,
  statements: readonly RepStatement[],
): StatementsDocument {
  // By rep, then by payout period (a monthly plan asked for a quarter lists three per rep).
  const sorted = [...statements].sort((a, b) =>
    a.ownerEmail !== b.ownerEmail
      ? a.ownerEmail < b.ownerEmail
        ? -1
        : 1
      : a.period.start < b.period.start
        ? -1
        : a.period.start > b.period.start
          ? 1
          : 0,
  );
  return { period: { start: period.start, end: period.end }, currency, closed, statements: sorted };
}

/** Cents-exact sum of JSON money numbers (each already to the cent). */
const sumMoney = (values: readonly number[]): number =>
  Math.round(values.reduce((total, v) => total + Math.round(v * 100), 0)) / 100;

export function payrollCsvRows(document: StatementsDocument): Record<string, string | number>[] {
  const names = [...new Set(document.statements.flatMap((s) => s.components.map((c) => c.name)))];
  return document.statements.map((s) => {
    const row: Record<string, string | number> = { owner_email: s.ownerEmail, period: s.period.key };
    for (const name of names) row[name] = s.components.find((c) => c.name === name)?.payout ?? 0;
    row.adjustments = sumMoney(s.adjustments.map((a) => a.amount));
    row.total = s.total;
    row.currency = document.currency;
    row.plan_hash = s.plan.hash;
    return row;
  });
}
