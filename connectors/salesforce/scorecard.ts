/**
 * The `User` fallback: when the integration user cannot edit users (no Manage Users), rep values
 * live on SalesOps_Scorecard__c, one record per user, found by its lookup SalesOps_User__c.
 *
 * A write reads the scorecards of its users (SOQL, not mutating), then updates the ones that
 * exist with one PATCH and creates the missing ones with one POST, both `/composite/sobjects`.
 * Once every rep has a scorecard (after the first push) a write is one mutating call, like a
 * User write. Two processes creating a scorecard for the same new user at once can leave two;
 * the oldest is the one written from then on.
 */
import { z } from 'zod';
import type { FieldWrite, WriteResult } from '../connector.js';
import type { SalesforceApi } from './api.js';
import { queryAll, quoteIds } from './permissions.js';
import { SCORECARD } from './spec.js';
import { SalesforceApiError } from './transport.js';
import { compositeSave, sfValues } from './write.js';

const SF_ID = /^[A-Za-z0-9]{15,18}$/;
const scorecardSchema = z.object({ Id: z.string(), [SCORECARD.userField]: z.string().nullable() });
const userSchema = z.object({ Id: z.string(), Name: z.string().nullable().optional() });

/** Salesforce compares ids case-sensitively in 15 characters; the 18-character form adds a suffix. */
const key15 = (id: string) => id.slice(0, 15);

export function scorecardSoql(userIds: readonly string[]): string {
  return `SELECT Id, ${SCORECARD.userField} FROM ${SCORECARD.object} WHERE ${SCORECARD.userField} IN (${quoteIds(
    userIds,
  )}) ORDER BY CreatedDate, Id`;
}

export async function writeScorecards(
  api: SalesforceApi,
  writes: readonly FieldWrite[],
): Promise<WriteResult[]> {
  const valid = writes.filter((w) => SF_ID.test(w.recordId));
  const results = new Map<string, WriteResult>();
  for (const w of writes) {
    if (!SF_ID.test(w.recordId))
      results.set(w.recordId, { recordId: w.recordId, ok: false, reason: 'Not a Salesforce user id' });
  }
  if (valid.length > 0) {
    const found = await existing(api, valid);
    if ('missing' in found) {
      // The object or its lookup is gone (never provisioned, or deleted in Setup): the push
      // stage re-ensures fields on field_missing, which recreates them, then retries.
      for (const w of valid) {
        results.set(w.recordId, {
          recordId: w.recordId,
          ok: false,
          reason: found.missing,
          ...(Object.keys(w.values)[0] !== undefined && { field: Object.keys(w.values)[0] }),
          code: 'field_missing',
        });
      }
    } else {
      const updates = valid.filter((w) => found.ids.has(key15(w.recordId)));
      const creates = valid.filter((w) => !found.ids.has(key15(w.recordId)));
      if (updates.length > 0) {
        const records = updates.map((w) => ({
          attributes: { type: SCORECARD.object },
          id: found.ids.get(key15(w.recordId)),
          ...sfValues(w.values),
        }));
        for (const r of await compositeSave(api, 'PATCH', records, updates)) results.set(r.recordId, r);
      }
      if (creates.length > 0) {
        const names = await userNames(api, creates);
        const records = creates.map((w) => ({
          attributes: { type: SCORECARD.object },
          Name: (names.get(key15(w.recordId)) ?? w.recordId).slice(0, SCORECARD.nameMax),
          [SCORECARD.userField]: w.recordId,
          ...sfValues(w.values),
        }));
        for (const r of await compositeSave(api, 'POST', records, creates)) results.set(r.recordId, r);
      }
    }
  }
  return writes.map(
    (w) => results.get(w.recordId) ?? { recordId: w.recordId, ok: false, reason: 'not written' },
  );
}

async function existing(
  api: SalesforceApi,
  writes: readonly FieldWrite[],
): Promise<{ ids: Map<string, string> } | { missing: string }> {
  let rows: z.infer<typeof scorecardSchema>[];
  try {
    rows = await queryAll(api, scorecardSoql(writes.map((w) => w.recordId)), scorecardSchema);
  } catch (error) {
    if (error instanceof SalesforceApiError && ['INVALID_TYPE', 'INVALID_FIELD'].includes(error.code))
      return { missing: `${error.code}: ${error.message}` };
    throw error;
  }
  const ids = new Map<string, string>();
  for (const row of rows) {
    const user = row[SCORECARD.userField];
    // Ordered oldest first: a duplicate from a creation race is left alone.
    if (typeof user === 'string' && !ids.has(key15(user))) ids.set(key15(user), row.Id);
  }
  return { ids };
}

async function userNames(api: SalesforceApi, writes: readonly FieldWrite[]): Promise<Map<string, string>> {
  const rows = await queryAll(
    api,
    `SELECT Id, Name FROM User WHERE Id IN (${quoteIds(writes.map((w) => w.recordId))})`,
    userSchema,
  );
  return new Map(rows.flatMap((r) => (r.Name ? [[key15(r.Id), r.Name] as const] : [])));
}
