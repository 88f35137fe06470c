/**
 * Push-back: computed values onto Opportunity and User records with one
 * `PATCH /composite/sobjects` (≤ 200 records, allOrNone=false) per `write()` call.
 * Results are matched to inputs by position: Salesforce leaves `id` off failed records.
 * Rep values go to User, or to SalesOps_Scorecard__c records (scorecard.ts) when the
 * integration user cannot edit users (permissions.ts decides).
 */
import { z } from 'zod';
import type { FieldObject, FieldWrite, WriteResult, WriteTarget } from '../connector.js';
import { ConnectorError } from '../connector-error.js';
import type { SalesforceApi } from './api.js';
import type { OrgAccess } from './permissions.js';
import { COMPOSITE_MAX, PATHS, SCORECARD } from './spec.js';
import { SalesforceApiError } from './transport.js';

/** `salesops_quota_attainment` → `SalesOps_Quota_Attainment__c`. */
export function customFieldName(neutral: string): string {
  const words = neutral.split('_').filter(Boolean);
  const head = words[0]?.toLowerCase() === 'salesops' ? ['SalesOps', ...words.slice(1)] : words;
  return `${head.map((w, i) => (i === 0 && w === 'SalesOps' ? w : w[0]!.toUpperCase() + w.slice(1))).join('_')}__c`;
}

export const OBJECT_OF: Readonly<Record<FieldObject, string>> = { deal: 'Opportunity', rep: 'User' };

const saveResultSchema = z.array(
  z.object({
    id: z.string().nullable().optional(),
    success: z.boolean(),
    errors: z
      .array(
        z.object({
          statusCode: z.string(),
          message: z.string().optional(),
          fields: z.array(z.string()).optional(),
        }),
      )
      .default([]),
  }),
);

const MISSING_FIELD = /No such column '([^']+)'/;

/**
 * A lead's owner: `OwnerId`, with `Sforce-Auto-Assign: FALSE`. Without the header (or with TRUE)
 * Salesforce runs the org's active lead assignment rule on the update, which replaces the owner
 * routing chose with whatever the rule says (often a default queue).
 */
export const LEAD_OWNER_HEADERS: Readonly<Record<string, string>> = { 'Sforce-Auto-Assign': 'FALSE' };

export interface Writer {
  write(target: WriteTarget, writes: readonly FieldWrite[]): Promise<readonly WriteResult[]>;
}

/** A record refused because the integration user may not edit it (User without Manage Users). */
export const isAccessRefusal = (r: WriteResult) =>
  !r.ok && (r.reason?.startsWith('INSUFFICIENT_ACCESS_OR_READONLY') ?? false);

/**
 * One `/composite/sobjects` call (PATCH updates, POST creates) for `records`, which correspond to
 * `writes` by position; results come back keyed by the writes' ids.
 */
export async function compositeSave(
  api: SalesforceApi,
  method: 'PATCH' | 'POST',
  records: readonly Record<string, unknown>[],
  writes: readonly FieldWrite[],
  headers?: Readonly<Record<string, string>>,
): Promise<WriteResult[]> {
  const neutralOf = (field: string) => {
    for (const w of writes) for (const k of Object.keys(w.values)) if (customFieldName(k) === field) return k;
    return field;
  };
  let results: z.infer<typeof saveResultSchema>;
  try {
    results = await api.request(
      method,
      PATHS.composite,
      saveResultSchema,
      { allOrNone: false, records },
      headers,
    );
  } catch (error) {
    const missing =
      error instanceof SalesforceApiError && error.code === 'INVALID_FIELD'
        ? MISSING_FIELD.exec(error.message)
        : null;
    if (!missing?.[1]) throw error;
    const field = neutralOf(missing[1]);
    return writes.map((w) => ({
      recordId: w.recordId,
      ok: false,
      reason: `INVALID_FIELD: ${missing[1]}`,
      field,
      code: 'field_missing' as const,
    }));
  }
  return writes.map((w, i): WriteResult => {
    const r = results[i];
    if (!r)
      return { recordId: w.recordId, ok: false, reason: 'Salesforce returned no result for this record' };
    if (r.success) return { recordId: w.recordId, ok: true };
    const e = r.errors[0];
    const missing = e?.message ? MISSING_FIELD.exec(e.message) : null;
    const sfField = missing?.[1] ?? e?.fields?.[0];
    return {
      recordId: w.recordId,
      ok: false,
      reason: e ? `${e.statusCode}${e.message ? `: ${e.message}` : ''}` : 'UNKNOWN',
      ...(sfField && { field: neutralOf(sfField) }),
      ...((e?.statusCode === 'INVALID_FIELD' || missing) && { code: 'field_missing' as const }),
    };
  });
}

/** Neutral values → Salesforce field names. */
export const sfValues = (values: FieldWrite['values']) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [customFieldName(k), v]));

/** `scorecards` writes rep values onto SalesOps_Scorecard__c records (scorecard.ts). */
export function createWriter(
  api: SalesforceApi,
  access: OrgAccess,
  scorecards: (writes: readonly FieldWrite[]) => Promise<WriteResult[]>,
): Writer {
  return {
    async write(target, writes) {
      if (writes.length === 0) return [];
      if (writes.length > COMPOSITE_MAX) {
        throw new ConnectorError(
          'invalid_request',
          `Salesforce takes at most ${COMPOSITE_MAX} records per write; the push stage must batch.`,
        );
      }
      if (target === 'lead') {
        const records = writes.map((w) => ({
          attributes: { type: 'Lead' },
          id: w.recordId,
          OwnerId: w.values['owner'] ?? null,
        }));
        return compositeSave(api, 'PATCH', records, writes, LEAD_OWNER_HEADERS);
      }
      if (target === 'rep' && (await access.repObject()) === SCORECARD.object) {
        return scorecards(writes);
      }
      const type = OBJECT_OF[target];
      const records = writes.map((w) => ({ attributes: { type }, id: w.recordId, ...sfValues(w.values) }));
      const results = await compositeSave(api, 'PATCH', records, writes);
      const refused = target === 'rep' ? results.filter(isAccessRefusal) : [];
      if (refused.length === 0) return results;
      // The permission read said User was writable but Salesforce disagrees (a permission it
      // does not show, a change since): from now on rep values go to the scorecard, starting
      // with these records, so no value waits for the next run.
      access.refused();
      const ids = new Set(refused.map((r) => r.recordId));
      const rerouted = new Map(
        (await scorecards(writes.filter((w) => ids.has(w.recordId)))).map((r) => [r.recordId, r]),
      );
      return results.map((r) => rerouted.get(r.recordId) ?? r);
    },
  };
}
