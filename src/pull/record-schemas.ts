import { z } from 'zod';

/**
 * The pull stage trusts no connector: each record is checked here before it reaches the
 * warehouse, and one that fails is quarantined with the reason while its page goes on.
 */
const id = z.string().min(1).max(255);
const instant = z.iso.datetime({ offset: true });
const instantOrDate = z.union([instant, z.iso.date()]);
const decimal = z
  .string()
  .regex(/^-?\d{1,15}(\.\d{1,10})?$/, 'must be a decimal amount')
  .refine((value) => !value.startsWith('-'), 'must not be negative');
const probability = z.number().min(0).max(1);
const forecastCategory = z.enum(['pipeline', 'best_case', 'commit', 'closed', 'omitted']);

export const ownerSchema = z.object({
  externalId: id,
  email: z.string().max(320).nullable(),
  firstName: z.string().max(255).nullable(),
  lastName: z.string().max(255).nullable(),
  active: z.boolean(),
  userId: z.string().max(255).nullable(),
  managerId: z.string().max(255).nullable(),
  teams: z
    .array(z.object({ externalId: id, name: z.string().min(1).max(255), primary: z.boolean() }))
    .readonly(),
  isQueue: z.boolean(),
  createdAt: instant.nullable(),
  updatedAt: instant.nullable(),
});

export const stageSchema = z.object({
  externalId: id,
  label: z.string().min(1),
  displayOrder: z.number().int(),
  probability: probability.nullable(),
  isClosed: z.boolean(),
  isWon: z.boolean(),
  forecastCategory: forecastCategory.nullable(),
});

export const pipelineSchema = z.object({
  externalId: id,
  label: z.string().min(1),
  displayOrder: z.number().int(),
  stages: z.array(stageSchema).readonly(),
});

export const dealSchema = z.object({
  externalId: id,
  name: z.string().nullable(),
  pipelineId: id.nullable(),
  stageId: id.nullable(),
  ownerId: id.nullable(),
  amount: decimal.nullable(),
  currency: z.string().length(3).nullable(),
  amountHome: decimal.nullable(),
  createdAt: instant.nullable(),
  closeDate: instantOrDate.nullable(),
  forecastCategory: forecastCategory.nullable(),
  probability: probability.nullable(),
  lastModifiedAt: instant,
  mergedIds: z.array(id).readonly(),
});

export const leadSchema = z.object({
  externalId: id,
  email: z.string().max(320).nullable(),
  ownerId: id.nullable(),
  assignedAt: instant.nullable(),
  score: z.number().finite().nullable(),
  rating: z.string().max(64).nullable(),
  source: z.string().max(255).nullable(),
  status: z.string().max(255).nullable(),
  createdAt: instant.nullable(),
  lastModifiedAt: instant,
});

export const dealChangeSchema = z.object({
  dealId: id,
  field: z.enum(['stage', 'owner']),
  value: z.string().nullable(),
  changedAt: instant,
});

export const leadOwnerChangeSchema = z.object({
  leadId: id,
  ownerId: z.string().nullable(),
  changedAt: instant,
});

/** A zod error as one readable reason for the quarantine table. */
export function reasonOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'record'}: ${issue.message}`).join('; ');
}
