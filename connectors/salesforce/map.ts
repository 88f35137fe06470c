/**
 * Salesforce JSON ⇄ domain, pure. Each record is checked with zod at this boundary; one that does
 * not fit becomes a RejectedRecord (quarantined by the pull stage) instead of failing its page.
 */
import { z } from 'zod';
import type {
  AccountInfo,
  Deal,
  DealChange,
  ForecastCategory,
  Lead,
  LeadOwnerChange,
  Owner,
  Pipeline,
  Quota,
  RejectedRecord,
  TeamRef,
} from '../connector.js';
import { FORECAST_CATEGORIES, PIPELINE } from './spec.js';

const SF_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

/** `2026-03-15T12:00:00.000+0000` (Salesforce) → `2026-03-15T12:00:00.000Z`. */
export function instant(value: string): string {
  // The shape Salesforce always sends: rewrite the offset instead of a Date round trip (hot path).
  if (value.length === 28 && value.endsWith('+0000') && SF_UTC.test(value)) return `${value.slice(0, 23)}Z`;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) throw new Error(`not a datetime: ${value}`);
  return new Date(ms).toISOString();
}

const sfDatetime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/, 'must be a datetime')
  .transform(instant);
const sfDate = z.iso.date();
const id = z.string().regex(/^[A-Za-z0-9]{15,18}$/, 'must be a Salesforce id');
const text = z
  .string()
  .nullable()
  .optional()
  .transform((v) => v ?? null);
const money = z
  .number()
  .finite()
  .nullable()
  .optional()
  .transform((v) => v ?? null);

export const organizationSchema = z.object({
  Id: id,
  TimeZoneSidKey: z.string().min(1),
  FiscalYearStartMonth: z.number().int().min(1).max(12),
  DefaultCurrencyIsoCode: z.string().length(3).nullable().optional(),
});

export const currencySchema = z.object({
  IsoCode: z.string().length(3),
  ConversionRate: z.number().positive(),
  IsCorporate: z.boolean(),
  IsActive: z.boolean(),
});
export type CurrencyRow = z.infer<typeof currencySchema>;

export const userSchema = z.object({
  Id: id,
  Email: text,
  FirstName: text,
  LastName: text,
  IsActive: z.boolean(),
  ManagerId: id
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  UserRoleId: id
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  CreatedDate: sfDatetime,
  SystemModstamp: sfDatetime,
});
export type UserRow = z.infer<typeof userSchema>;

export const queueSchema = z.object({
  Id: id,
  Name: z.string().min(1),
  Email: text,
  CreatedDate: sfDatetime,
  SystemModstamp: sfDatetime,
});

export const stageSchema = z.object({
  ApiName: z.string().min(1),
  MasterLabel: z.string().min(1),
  SortOrder: z.number().int().nullable(),
  DefaultProbability: z.number().min(0).max(100).nullable(),
  IsClosed: z.boolean(),
  IsWon: z.boolean(),
  ForecastCategory: z.string().nullable(),
});

export const opportunitySchema = z.object({
  Id: id,
  IsDeleted: z.boolean(),
  Name: text,
  StageName: text,
  Amount: money,
  Probability: money,
  CloseDate: sfDate.nullable(),
  ForecastCategory: text,
  OwnerId: id.nullable(),
  CreatedDate: sfDatetime,
  SystemModstamp: sfDatetime,
  CurrencyIsoCode: z.string().length(3).nullable().optional(),
});

export const leadSchema = z.object({
  Id: id,
  IsDeleted: z.boolean(),
  Email: text,
  OwnerId: id.nullable(),
  Rating: text,
  LeadSource: text,
  Status: text,
  IsConverted: z.boolean(),
  CreatedDate: sfDatetime,
  SystemModstamp: sfDatetime,
});

export const stageHistorySchema = z.object({
  OpportunityId: id,
  StageName: text,
  CreatedDate: sfDatetime,
});

export const fieldHistorySchema = z.object({
  Field: z.string(),
  DataType: text,
  OldValue: z.unknown(),
  NewValue: z.unknown(),
  CreatedDate: sfDatetime,
});

export const quotaSchema = z.object({
  Id: id,
  QuotaOwnerId: id.nullable(),
  StartDate: sfDate,
  QuotaAmount: money,
  IsAmount: z.boolean().nullable().optional(),
  CurrencyIsoCode: z.string().length(3).nullable().optional(),
});

export interface Mapped<T> {
  readonly records: T[];
  readonly rejected: RejectedRecord[];
}

export function reasonOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
}

/** Parses each raw record; a misfit is rejected with its id (when it has one) and the reason. */
export function parseEach<S extends z.ZodType>(schema: S, raw: readonly unknown[]): Mapped<z.output<S>> {
  const out: Mapped<z.output<S>> = { records: [], rejected: [] };
  for (const record of raw) {
    const parsed = schema.safeParse(record);
    if (parsed.success) out.records.push(parsed.data);
    else {
      const rawId = (record as { Id?: unknown } | null)?.Id;
      out.rejected.push({
        externalId: typeof rawId === 'string' ? rawId : null,
        payload: record,
        reason: reasonOf(parsed.error),
      });
    }
  }
  return out;
}

export interface CurrencyContext {
  /** Home (corporate) currency. */
  readonly home: string;
  readonly multiCurrency: boolean;
  /** Units of a currency per one unit of the home currency (Salesforce's ConversionRate). */
  readonly rates: ReadonlyMap<string, number>;
}

export function mapAccount(
  org: z.output<typeof organizationSchema>,
  currencies: readonly CurrencyRow[] | null,
): AccountInfo {
  const corporate = currencies?.find((c) => c.IsCorporate)?.IsoCode;
  return {
    accountId: org.Id,
    timeZone: org.TimeZoneSidKey,
    fiscalYearStartMonth: org.FiscalYearStartMonth,
    currency: corporate ?? org.DefaultCurrencyIsoCode ?? 'USD',
    multiCurrency: currencies !== null,
  };
}

export function currencyContext(
  account: AccountInfo,
  currencies: readonly CurrencyRow[] | null,
): CurrencyContext {
  return {
    home: account.currency,
    multiCurrency: account.multiCurrency,
    rates: new Map((currencies ?? []).map((c) => [c.IsoCode, c.ConversionRate])),
  };
}

/** A JSON number as a decimal string; money never goes through a float again after this. */
export function decimal(value: number): string {
  const s = String(value);
  return /e/i.test(s) ? value.toFixed(2) : s;
}

/**
 * Teams: everyone who reports to one manager (User.ManagerId) is one team, named after that
 * manager and keyed `manager:<ManagerId>`. The manager chain is what sales orgs maintain for
 * forecasts; the role hierarchy (UserRoleId) often mirrors it and costs an extra query per sync.
 */
export function mapOwners(users: readonly UserRow[]): Owner[] {
  const byId = new Map(users.map((u) => [u.Id, u]));
  return users.map((u) => {
    const manager = u.ManagerId ? byId.get(u.ManagerId) : undefined;
    const managerName = manager ? [manager.FirstName, manager.LastName].filter(Boolean).join(' ') : null;
    const teams: TeamRef[] = u.ManagerId
      ? [
          {
            externalId: `manager:${u.ManagerId}`,
            name: `${managerName || u.ManagerId}'s team`,
            primary: true,
          },
        ]
      : [];
    return {
      externalId: u.Id,
      email: u.Email,
      firstName: u.FirstName,
      lastName: u.LastName,
      active: u.IsActive,
      userId: u.Id,
      managerId: u.ManagerId,
      teams,
      isQueue: false,
      createdAt: u.CreatedDate,
      updatedAt: u.SystemModstamp,
    };
  });
}

/** Lead queues own leads but are not reps. */
export function mapQueue(q: z.output<typeof queueSchema>): Owner {
  return {
    externalId: q.Id,
    email: q.Email,
    firstName: null,
    lastName: q.Name,
    active: true,
    userId: null,
    managerId: null,
    teams: [],
    isQueue: true,
    createdAt: q.CreatedDate,
    updatedAt: q.SystemModstamp,
  };
}

export function mapPipeline(stages: readonly z.output<typeof stageSchema>[]): Pipeline {
  return {
    externalId: PIPELINE.externalId,
    label: PIPELINE.label,
    displayOrder: 0,
    stages: stages.map((s, i) => ({
      externalId: s.ApiName,
      label: s.MasterLabel,
      displayOrder: s.SortOrder ?? i + 1,
      probability: s.DefaultProbability === null ? null : s.DefaultProbability / 100,
      isClosed: s.IsClosed,
      isWon: s.IsWon,
      forecastCategory: forecastCategory(s.ForecastCategory),
    })),
  };
}

function forecastCategory(value: string | null): ForecastCategory | null {
  return value === null ? null : (FORECAST_CATEGORIES[value] ?? null);
}

export function mapDeal(o: z.output<typeof opportunitySchema>, currency: CurrencyContext): Deal | string {
  const code = currency.multiCurrency ? (o.CurrencyIsoCode ?? currency.home) : currency.home;
  let amountHome: string | null = null;
  if (o.Amount !== null) {
    if (code === currency.home) amountHome = decimal(o.Amount);
    else {
      const rate = currency.rates.get(code);
      if (rate === undefined) return `CurrencyIsoCode: no conversion rate for ${code}`;
      amountHome = (o.Amount / rate).toFixed(2);
    }
  }
  return {
    externalId: o.Id,
    name: o.Name,
    pipelineId: PIPELINE.externalId,
    stageId: o.StageName,
    ownerId: o.OwnerId,
    amount: o.Amount === null ? null : decimal(o.Amount),
    currency: code,
    amountHome,
    createdAt: o.CreatedDate,
    closeDate: o.CloseDate,
    forecastCategory: forecastCategory(o.ForecastCategory),
    probability: o.Probability === null ? null : o.Probability / 100,
    lastModifiedAt: o.SystemModstamp,
    mergedIds: [],
  };
}

/**
 * The Lead row has no assignment time: it is the creation time unless LeadHistory shows a
 * reassignment, which the pull stage then takes from `leadHistory`.
 */
export function mapLead(l: z.output<typeof leadSchema>): Lead {
  return {
    externalId: l.Id,
    email: l.Email,
    ownerId: l.OwnerId,
    assignedAt: l.CreatedDate,
    score: null,
    rating: l.Rating,
    source: l.LeadSource,
    status: l.Status,
    createdAt: l.CreatedDate,
    lastModifiedAt: l.SystemModstamp,
  };
}

/** Consecutive snapshots with the same stage (amount or date edits) are not stage changes. */
export function mapStageHistory(rows: readonly z.output<typeof stageHistorySchema>[]): DealChange[] {
  const out: DealChange[] = [];
  let last: { deal: string; stage: string | null } | null = null;
  for (const r of rows) {
    if (last && last.deal === r.OpportunityId && last.stage === r.StageName) continue;
    out.push({ dealId: r.OpportunityId, field: 'stage', value: r.StageName, changedAt: r.CreatedDate });
    last = { deal: r.OpportunityId, stage: r.StageName };
  }
  return out;
}

const isId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9]{15,18}$/.test(v);

/**
 * Owner changes of one record, oldest first. Salesforce writes two rows per change (ids and
 * names); only the id rows count. The first change's old value is the owner since creation.
 */
export function ownerChanges(
  rows: readonly z.output<typeof fieldHistorySchema>[],
): { owner: string; at: string }[] {
  const created = rows.find((r) => r.Field === 'created')?.CreatedDate ?? null;
  const changes = rows.filter((r) => r.Field === 'Owner' && isId(r.NewValue) && r.DataType !== 'Text');
  const out: { owner: string; at: string }[] = [];
  const first = changes[0];
  if (first && isId(first.OldValue) && created !== null) out.push({ owner: first.OldValue, at: created });
  for (const c of changes) out.push({ owner: c.NewValue as string, at: c.CreatedDate });
  return out;
}

export function toDealOwnerChanges(
  dealId: string,
  changes: readonly { owner: string; at: string }[],
): DealChange[] {
  return changes.map((c) => ({ dealId, field: 'owner', value: c.owner, changedAt: c.at }));
}

export function toLeadOwnerChanges(
  leadId: string,
  changes: readonly { owner: string; at: string }[],
): LeadOwnerChange[] {
  return changes.map((c) => ({ leadId, ownerId: c.owner, changedAt: c.at }));
}

/** ForecastingQuota rows are monthly (StartDate = the period's first day). */
export function mapQuota(q: z.output<typeof quotaSchema>, home: string): Quota | null {
  if (q.QuotaOwnerId === null || q.QuotaAmount === null || q.IsAmount === false) return null;
  const start = new Date(`${q.StartDate}T00:00:00Z`);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0));
  return {
    externalId: q.Id,
    ownerId: q.QuotaOwnerId,
    teamId: null,
    periodStart: q.StartDate,
    periodEnd: end.toISOString().slice(0, 10),
    amount: decimal(q.QuotaAmount),
    currency: q.CurrencyIsoCode ?? home,
  };
}
