import { z } from 'zod';
import type { CsvProblem, CsvRow, CsvSpec } from '../cli/csv-import.js';
import type { Db } from '../db.js';

/**
 * Rep settings for lead routing (DESIGN §5, §7 `settings reps`): a lead weight (routing
 * capacity; 0 = outside the rotation) per availability window, one CSV row per window.
 * Re-importing replaces the windows of the owners in the file and leaves other owners alone.
 */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
      new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'is not a real calendar date',
  );

export const repSettingsRow = z
  .object({
    owner_email: z.email('must be an email address').transform((value) => value.toLowerCase()),
    lead_weight: z.coerce
      .number({ error: 'must be a number' })
      .finite('must be a number')
      .min(0, 'must be 0 or more (0 takes the rep out of the rotation)'),
    available_from: isoDate.optional(),
    available_to: isoDate.optional(),
  })
  .refine((row) => !row.available_from || !row.available_to || row.available_from <= row.available_to, {
    message: 'must not be before available_from',
    path: ['available_to'],
  });
export type RepSettingsRow = z.infer<typeof repSettingsRow>;

export const repSettingsCsv: CsvSpec<typeof repSettingsRow> = {
  required: ['owner_email', 'lead_weight'],
  optional: ['available_from', 'available_to'],
  schema: repSettingsRow,
};

export interface ResolvedWindow {
  readonly line: number;
  readonly ownerId: string;
  readonly weight: number;
  readonly from: string | null;
  readonly to: string | null;
}

export interface ResolvedSettings {
  readonly windows: readonly ResolvedWindow[];
  readonly problems: readonly CsvProblem[];
}

const overlaps = (a: ResolvedWindow, b: ResolvedWindow): boolean =>
  (a.from === null || b.to === null || a.from <= b.to) &&
  (b.from === null || a.to === null || b.from <= a.to);

/** Cross-row checks the schema cannot make: the owner exists, is a rep, and windows do not overlap. */
export async function resolveRepSettings(
  db: Db,
  connectionId: number,
  rows: readonly CsvRow<RepSettingsRow>[],
): Promise<ResolvedSettings> {
  const emails = [...new Set(rows.map((row) => row.value.owner_email))];
  const owners =
    emails.length === 0
      ? []
      : await db
          .selectFrom('owners')
          .select(['external_id', 'email', 'is_queue', 'active', 'is_deleted'])
          .where('connection_id', '=', connectionId)
          .where((eb) => eb.fn('lower', ['email']), 'in', emails)
          // Prefer the live, active owner when an address was reused.
          .orderBy('is_deleted')
          .orderBy('active', 'desc')
          .execute();
  const byEmail = new Map<string, (typeof owners)[number]>();
  for (const owner of owners) {
    const key = owner.email?.toLowerCase() ?? '';
    if (!byEmail.has(key)) byEmail.set(key, owner);
  }
  const problems: CsvProblem[] = [];
  const windows: ResolvedWindow[] = [];
  for (const { line, value } of rows) {
    const owner = byEmail.get(value.owner_email);
    if (!owner) {
      problems.push({
        line,
        reason: `owner_email ${value.owner_email} is not an owner of this connection (sync first, or check the address)`,
      });
      continue;
    }
    if (owner.is_queue) {
      problems.push({ line, reason: `owner_email ${value.owner_email} is a queue, not a rep` });
      continue;
    }
    const window: ResolvedWindow = {
      line,
      ownerId: owner.external_id,
      weight: value.lead_weight,
      from: value.available_from ?? null,
      to: value.available_to ?? null,
    };
    const clash = windows.find((other) => other.ownerId === window.ownerId && overlaps(other, window));
    if (clash) {
      problems.push({
        line,
        reason: `window overlaps line ${clash.line} for ${value.owner_email}; give each day one weight`,
      });
      continue;
    }
    windows.push(window);
  }
  return { windows, problems };
}

export interface ApplyResult {
  readonly owners: number;
  readonly windows: number;
  /** Owners whose stored windows changed. */
  readonly changed: number;
}

const windowKey = (w: { weight: number; from: string | null; to: string | null }): string =>
  `${w.weight}|${w.from ?? ''}|${w.to ?? ''}`;

/** Replaces each listed owner's windows in one transaction; owners whose windows are already identical are not touched. */
export async function applyRepSettings(
  db: Db,
  connectionId: number,
  windows: readonly ResolvedWindow[],
): Promise<ApplyResult> {
  const byOwner = new Map<string, ResolvedWindow[]>();
  for (const window of windows) byOwner.set(window.ownerId, [...(byOwner.get(window.ownerId) ?? []), window]);
  const ownerIds = [...byOwner.keys()];
  if (ownerIds.length === 0) return { owners: 0, windows: 0, changed: 0 };
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('owner_settings')
      .select(['owner_id', 'lead_weight', 'available_from', 'available_to'])
      .where('connection_id', '=', connectionId)
      .where('owner_id', 'in', ownerIds)
      .forUpdate()
      .execute();
    const stored = new Map<string, string[]>();
    for (const row of existing) {
      const key = windowKey({
        weight: Number(row.lead_weight),
        from: row.available_from,
        to: row.available_to,
      });
      stored.set(row.owner_id, [...(stored.get(row.owner_id) ?? []), key]);
    }
    const changedOwners = ownerIds.filter((ownerId) => {
      const next = byOwner.get(ownerId)!.map(windowKey).sort().join(',');
      return (stored.get(ownerId) ?? []).sort().join(',') !== next;
    });
    if (changedOwners.length > 0) {
      await trx
        .deleteFrom('owner_settings')
        .where('connection_id', '=', connectionId)
        .where('owner_id', 'in', changedOwners)
        .execute();
      await trx
        .insertInto('owner_settings')
        .values(
          changedOwners.flatMap((ownerId) =>
            byOwner.get(ownerId)!.map((w) => ({
              connection_id: connectionId,
              owner_id: ownerId,
              lead_weight: w.weight,
              available_from: w.from,
              available_to: w.to,
            })),
          ),
        )
        .execute();
    }
    return { owners: ownerIds.length, windows: windows.length, changed: changedOwners.length };
  });
}
