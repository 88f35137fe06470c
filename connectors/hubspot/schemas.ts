/**
 * zod schemas of the HubSpot responses the connector reads: the boundary where untrusted JSON
 * becomes typed data. Envelopes are strict about what the connector relies on (results, paging);
 * each record is parsed on its own, so one malformed record is quarantined, not the page.
 */
import { z } from 'zod';
import { type CursorSpec, ENDPOINTS } from './spec.js';

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

/**
 * A paged envelope read where the endpoint's spec says its cursor is (`paging.next.after`):
 * every level of the path may be absent (the last page), the cursor itself is a non-empty string.
 * `paging` is the cursor, or null on the last page.
 */
function paged<S extends z.ZodRawShape>(
  cursor: CursorSpec,
  shape: S,
): z.ZodType<z.output<z.ZodObject<S>> & { readonly paging: string | null }> {
  const [root = '', ...path] = cursor.response.split('.');
  const nested = path.reduceRight<z.ZodType>(
    (inner, key) => z.object({ [key]: inner }).optional(),
    z.string().min(1),
  );
  return z.object({ ...shape, [root]: nested }).transform((page) => {
    let at: unknown = (page as Record<string, unknown>)[root];
    for (const key of path) at = (at as Record<string, unknown> | undefined)?.[key];
    const { [root]: _cursor, ...rest } = page as Record<string, unknown>;
    return { ...rest, paging: typeof at === 'string' ? at : null };
  }) as unknown as z.ZodType<z.output<z.ZodObject<S>> & { readonly paging: string | null }>;
}

export const accountSchema = z.object({
  portalId: z.number().int().positive(),
  timeZone: z.string().min(1),
  companyCurrency: z.string().length(3),
  additionalCurrencies: z.array(z.string()).optional().default([]),
});
export type AccountWire = z.infer<typeof accountSchema>;

export const ownerSchema = z.object({
  id: z.string().min(1),
  email: nullish(z.string()),
  firstName: nullish(z.string()),
  lastName: nullish(z.string()),
  userId: nullish(z.number().int()),
  // Deactivated users keep only this one.
  userIdIncludingInactive: nullish(z.number().int()),
  createdAt: nullish(z.string()),
  updatedAt: nullish(z.string()),
  archived: z.boolean().optional().default(false),
  teams: z
    .array(
      z.object({ id: z.string().min(1), name: z.string(), primary: z.boolean().optional().default(false) }),
    )
    .optional()
    .default([]),
});
export type OwnerWire = z.infer<typeof ownerSchema>;

export const stageSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  displayOrder: z.number(),
  // HubSpot sends these as strings ("0.2", "true").
  metadata: z.record(z.string(), z.string()).optional().default({}),
  archived: z.boolean().optional().default(false),
});

export const pipelineSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  displayOrder: z.number(),
  archived: z.boolean().optional().default(false),
  stages: z.array(stageSchema),
});
export type PipelineWire = z.infer<typeof pipelineSchema>;

export const pipelinesSchema = z.object({ results: z.array(pipelineSchema) });

export const historyEntrySchema = z.object({
  value: z.string(),
  timestamp: z.string(),
  sourceType: z.string().optional(),
});

/** One CRM object (deal, contact, goal target); every property value is a string or null. */
export const objectSchema = z.object({
  id: z.string().regex(/^\d+$/, 'id must be numeric'),
  properties: z.record(z.string(), z.string().nullable()),
  propertiesWithHistory: z.record(z.string(), z.array(historyEntrySchema)).optional(),
  archived: z.boolean().optional(),
  archivedAt: z.string().optional(),
});
export type ObjectWire = z.infer<typeof objectSchema>;

/** Records checked one by one (see `parseRecords`). */
export const resultsSchema = z.object({ results: z.array(z.unknown()) });

/** A list page (the list and owners endpoints share HubSpot's cursor). */
export const listPageSchema = paged(ENDPOINTS.list.cursor, resultsSchema.shape);
export type ListPage = z.infer<typeof listPageSchema>;

export const searchPageSchema = paged(ENDPOINTS.search.cursor, {
  total: z.number().int().nonnegative(),
  results: z.array(z.unknown()),
});

export const batchReadSchema = z.object({
  results: z.array(z.unknown()),
  errors: z
    .array(
      z.object({ category: z.string().optional(), context: z.record(z.string(), z.unknown()).optional() }),
    )
    .optional(),
});

export const tokenSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive(),
});

export const errorBodySchema = z
  .object({
    message: z.string().optional(),
    category: z.string().optional(),
    policyName: z.string().optional(),
    status: z.string().optional(),
  })
  .passthrough();

export interface ParsedRecords<T> {
  readonly ok: readonly T[];
  readonly bad: readonly {
    readonly externalId: string | null;
    readonly payload: unknown;
    readonly reason: string;
  }[];
}

export function parseRecords<T>(items: readonly unknown[], schema: z.ZodType<T>): ParsedRecords<T> {
  const ok: T[] = [];
  const bad: { externalId: string | null; payload: unknown; reason: string }[] = [];
  for (const item of items) {
    const parsed = schema.safeParse(item);
    if (parsed.success) ok.push(parsed.data);
    else {
      const id = (item as { id?: unknown } | null)?.id;
      bad.push({
        externalId: typeof id === 'string' ? id : null,
        payload: item,
        reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; '),
      });
    }
  }
  return { ok, bad };
}
