/**
 * Push-back: computed values onto Opportunity and User records with one
 * `PATCH /composite/sobjects` (≤ 200 records, allOrNone=false) per `write()` call.
 * Results are matched to inputs by position: Salesforce leaves `id` off failed records.
 */
import { z } from 'zod';
import type { FieldObject, FieldReport, FieldSpec, FieldWrite, WriteResult } from '../connector.js';
import { ConnectorError } from '../connector-error.js';
import type { SalesforceApi } from './api.js';
import { COMPOSITE_MAX } from './spec.js';
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

export interface Writer {
  write(target: FieldObject, writes: readonly FieldWrite[]): Promise<readonly WriteResult[]>;
  ensureFields(specs: readonly FieldSpec[], opts: { readonly dryRun: boolean }): Promise<FieldReport>;
}

export function createWriter(api: SalesforceApi): Writer {
  const neutralOf = (field: string, writes: readonly FieldWrite[]) => {
    for (const w of writes) for (const k of Object.keys(w.values)) if (customFieldName(k) === field) return k;
    return field;
  };

  return {
    async write(target, writes) {
      if (writes.length === 0) return [];
      if (writes.length > COMPOSITE_MAX) {
        throw new ConnectorError(
          'invalid_request',
          `Salesforce takes at most ${COMPOSITE_MAX} records per write; the push stage must batch.`,
        );
      }
      const type = OBJECT_OF[target];
      const records = writes.map((w) => ({
        attributes: { type },
        id: w.recordId,
        ...Object.fromEntries(Object.entries(w.values).map(([k, v]) => [customFieldName(k), v])),
      }));
      let results: z.infer<typeof saveResultSchema>;
      try {
        results = await api.request('PATCH', '/composite/sobjects', saveResultSchema, {
          allOrNone: false,
          records,
        });
      } catch (error) {
        const missing =
          error instanceof SalesforceApiError && error.code === 'INVALID_FIELD'
            ? MISSING_FIELD.exec(error.message)
            : null;
        if (!missing?.[1]) throw error;
        const field = neutralOf(missing[1], writes);
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
          ...(sfField && { field: neutralOf(sfField, writes) }),
          ...((e?.statusCode === 'INVALID_FIELD' || missing) && { code: 'field_missing' as const }),
        };
      });
    },

    async ensureFields() {
      throw new ConnectorError(
        'invalid_request',
        'Creating Salesforce fields is not implemented yet; create the SalesOps_ fields in Setup and grant the integration user edit access.',
      );
    },
  };
}
