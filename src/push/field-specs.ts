import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FieldObject, FieldSpec, FieldType } from '../../connectors/connector.js';
import type { Connection } from '../connections/connection-store.js';

/**
 * The push-back fields of DESIGN §6 and the per-connection mapping metric → field.
 *
 * A metric's default field has the metric's own neutral name (`salesops_quota_attainment`);
 * connectors turn neutral names into their convention (`SalesOps_Quota_Attainment__c`). An admin
 * may rename a field or switch it off in `connections.settings.fieldMappings`
 * (`{ "salesops_win_rate": false, "salesops_quota": "salesops_quota_q" }`).
 */
export interface PushField {
  readonly metric: string;
  readonly object: FieldObject;
  readonly type: FieldType;
  readonly label: string;
  readonly description: string;
}

const EVERY_SYNC = 'computed by SalesOps from your CRM data; updated every sync';

export const DEFAULT_FIELDS: readonly PushField[] = [
  {
    metric: 'salesops_quota_attainment',
    object: 'rep',
    type: 'percent',
    label: 'Quota attainment (this quarter, %)',
    description: `Closed-won ÷ quota for the current fiscal quarter, ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_quota',
    object: 'rep',
    type: 'currency',
    label: 'Quota (this quarter)',
    description: `Your quota for the current fiscal quarter in the company currency, ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_closed_won',
    object: 'rep',
    type: 'currency',
    label: 'Closed-won (this quarter)',
    description: `Closed-won amount credited to you this fiscal quarter (splits included), ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_forecast_p50',
    object: 'rep',
    type: 'currency',
    label: 'Forecast, most likely (this quarter)',
    description: `Closed-won plus the likely result of your open deals this quarter (median of a simulation), ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_win_rate',
    object: 'rep',
    type: 'percent',
    label: 'Win rate (%)',
    description: `Won ÷ (won + lost) over the recent closed deals shown in the rep report, ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_lead_share_vs_expected',
    object: 'rep',
    type: 'percent',
    label: 'Leads received vs fair share (%)',
    description: `Leads you received this quarter ÷ the leads your routing weight entitles you to (100 = exactly fair), ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_win_probability',
    object: 'deal',
    type: 'percent',
    label: 'Win probability (model, %)',
    description: `Chance this deal is won, learned from how similar deals in your CRM went, ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_forecast_category',
    object: 'deal',
    type: 'text',
    label: 'Forecast category (model)',
    description: `Commit, best case or pipeline as the model sees this deal, ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_stage_entered_at',
    object: 'deal',
    type: 'date',
    label: 'In current stage since',
    description: `The day this deal entered its current stage, ${EVERY_SYNC}.`,
  },
  {
    metric: 'salesops_owner_attainment',
    object: 'deal',
    type: 'percent',
    label: "Owner's quota attainment (this quarter, %)",
    description: `The deal owner's closed-won ÷ quota for the current fiscal quarter, ${EVERY_SYNC}.`,
  },
];

const FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export const fieldMappingsSchema = z.record(
  z.string(),
  z.union([z.literal(false), z.string().regex(FIELD_NAME)]),
);
export type FieldMappings = z.infer<typeof fieldMappingsSchema>;

/** A metric resolved to the field it is written to on this connection. */
export interface MappedField extends PushField {
  readonly field: string;
}

export function fieldMappingsOf(connection: Pick<Connection, 'settings'>): FieldMappings {
  const parsed = fieldMappingsSchema.safeParse(connection.settings.fieldMappings ?? {});
  if (!parsed.success) {
    throw new Error(
      'The stored field mappings are invalid; reset them with `salesops fields map --connection N METRIC --default`.',
    );
  }
  return parsed.data;
}

/** Every default field with its mapping applied; switched-off fields are left out. */
export function mappedFields(connection: Pick<Connection, 'settings'>): readonly MappedField[] {
  const mappings = fieldMappingsOf(connection);
  return DEFAULT_FIELDS.flatMap((f) => {
    const target = mappings[f.metric];
    if (target === false) return [];
    return [{ ...f, field: target ?? f.metric }];
  });
}

export function fieldSpecs(fields: readonly MappedField[]): readonly FieldSpec[] {
  return fields.map((f) => ({
    object: f.object,
    name: f.field,
    label: f.label,
    description: f.description,
    type: f.type,
  }));
}

/** Changes whenever a field is added, renamed, retyped or relabelled: then fields are re-ensured. */
export function specsHash(specs: readonly FieldSpec[]): string {
  const canonical = [...specs]
    .map((s) => [s.object, s.name, s.type, s.label, s.description])
    .sort((a, b) => `${a[0]}.${a[1]}`.localeCompare(`${b[0]}.${b[1]}`));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** How a value travels to the connector: percent, money and numbers as JSON numbers. */
export function sendKind(type: FieldType): 'number' | 'text' {
  return type === 'date' || type === 'text' ? 'text' : 'number';
}
