import type { Scope } from './api-caller.js';

/**
 * A §7 document cut to what the caller may see: every `reps` or `statements` row names its owner
 * by `ownerEmail`, every `teams` row by `name`. A caller who may not see every rep gets no
 * connection-wide aggregate (`team` null): the sum of everyone would leak the others' figures.
 */
export function scopedDocument(document: object, scope: Scope): Record<string, unknown> {
  if (scope.all) return { ...document };
  const out: Record<string, unknown> = { ...document };
  const ownRow = (row: unknown) => {
    const email = (row as { ownerEmail?: unknown }).ownerEmail;
    return typeof email === 'string' && scope.ownerEmails.has(email.toLowerCase());
  };
  for (const key of ['reps', 'statements', 'flags'] as const) {
    const rows = out[key];
    if (Array.isArray(rows)) out[key] = rows.filter(ownRow);
  }
  if (Array.isArray(out.teams)) {
    out.teams = (out.teams as { name?: unknown }[]).filter(
      (row) => typeof row.name === 'string' && scope.teams.has(row.name),
    );
  }
  if ('team' in out) out.team = null;
  return out;
}
