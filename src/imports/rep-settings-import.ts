import { IANAZone } from 'luxon';
import { z } from 'zod';
import type { Db } from '../db.js';
import { replaceOwnerWindows } from '../warehouse/owner-settings.js';
import type { CsvProblem, CsvRow, CsvSpec } from './csv-import.js';

/**
 * Rep settings for lead routing (DESIGN §5, §7 `settings reps`): a lead weight (routing
 * capacity; 0 = outside the rotation) per availability window, one CSV row per window, with
 * optional working hours (`hours` as `HH:MM-HH:MM`, an end before the start being an overnight
 * shift) in an IANA zone (`tz`; blank = the connection's). Re-importing replaces the windows of the owners in the file and leaves other owners alone.
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

const CLOCK = '(?:[01]\\d|2[0-3]):[0-5]\\d|24:00';
const HOURS = new RegExp(`^(${CLOCK})\\s*-\\s*(${CLOCK})$`);

/** `9:00` is refused (two-digit hours keep files unambiguous); `17:30-09:00` is a night shift. */
const workingHours = z.string().transform((value, ctx) => {
  const match = HOURS.exec(value);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: 'must be working hours as HH:MM-HH:MM, e.g. 09:00-17:30' });
    return z.NEVER;
  }
  if (match[1] === match[2]) {
    ctx.addIssue({ code: 'custom', message: 'must not start and end at the same time' });
    return z.NEVER;
  }
  return `${match[1]}-${match[2]}`;
});

const timeZone = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as Europe/Berlin');

export const repSettingsRow = z
  .object({
    owner_email: z.email('must be an email address').transform((value) => value.toLowerCase()),
    lead_weight: z.coerce
      .number({ error: 'must be a number' })
      .finite('must be a number')
      .min(0, 'must be 0 or more (0 takes the rep out of the rotation)'),
    available_from: isoDate.optional(),
    available_to: isoDate.optional(),
    hours: workingHours.optional(),
    tz: timeZone.optional(),
  })
  .refine((row) => row.tz === undefined || row.hours !== undefined, {
    message: 'needs hours beside it (a zone says where the working hours are)',
    path: ['tz'],
  })
  .refine((row) => !row.available_from || !row.available_to || row.available_from <= row.available_to, {
    message: 'must not be before available_from',
    path: ['available_to'],
  });
export type RepSettingsRow = z.infer<typeof repSettingsRow>;

export const repSettingsCsv: CsvSpec<typeof repSettingsRow> = {
  required: ['owner_email', 'lead_weight'],
  optional: ['available_from', 'available_to', 'hours', 'tz'],
  schema: repSettingsRow,
};

export interface ResolvedWindow {
  readonly line: number;
  readonly ownerId: string;
  readonly weight: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly hours: string | null;
  readonly timeZone: string | null;
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
      hours: value.hours ?? null,
      timeZone: value.tz ?? null,
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

/** Replaces each listed owner's windows in one transaction; owners whose windows are already identical are not touched. */
export async function applyRepSettings(
  db: Db,
  connectionId: number,
  windows: readonly ResolvedWindow[],
): Promise<ApplyResult> {
  const byOwner = new Map<string, ResolvedWindow[]>();
  for (const window of windows) byOwner.set(window.ownerId, [...(byOwner.get(window.ownerId) ?? []), window]);
  if (byOwner.size === 0) return { owners: 0, windows: 0, changed: 0 };
  const changed = await replaceOwnerWindows(db, connectionId, byOwner);
  return { owners: byOwner.size, windows: windows.length, changed };
}
