/**
 * Property definitions and property groups per object, HubSpot-defined ones seeded at start and
 * custom ones created through the API (the push creates its `salesops_*` fields this way).
 */

import type { SandboxPipeline } from './generate-portal.js';
import { conflict, type HttpError, notFound, validationError } from './hubspot-errors.js';
import { iso, OBJECT_TYPES, type ObjectType } from './sandbox-record.js';
import { stagePropertySpecs } from './stage-properties.js';

export interface PropertyOption {
  readonly label: string;
  readonly value: string;
  readonly displayOrder: number;
  readonly hidden: boolean;
  readonly description: string;
}

export interface PropertyDefinition {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly fieldType: string;
  readonly groupName: string;
  readonly description: string;
  readonly displayOrder: number;
  readonly hubspotDefined: boolean;
  readonly readOnlyValue: boolean;
  readonly calculated: boolean;
  readonly externalOptions: boolean;
  readonly hasUniqueValue: boolean;
  readonly hidden: boolean;
  readonly formField: boolean;
  readonly options: readonly PropertyOption[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface PropertyGroupDefinition {
  readonly name: string;
  readonly label: string;
  readonly displayOrder: number;
}

type Spec = readonly [name: string, label: string, type: string, fieldType: string, flags?: string];

const DATETIME = ['datetime', 'date'] as const;
const NUMBER = ['number', 'number'] as const;
const TEXT = ['string', 'text'] as const;
const ENUM = ['enumeration', 'select'] as const;

const SPECS: Readonly<Record<ObjectType, readonly Spec[]>> = {
  deals: [
    ['dealname', 'Deal Name', ...TEXT],
    ['amount', 'Amount', ...NUMBER],
    ['deal_currency_code', 'Currency', ...ENUM],
    ['amount_in_home_currency', 'Amount in company currency', ...NUMBER, 'calculated'],
    ['closedate', 'Close Date', ...DATETIME],
    ['createdate', 'Create Date', ...DATETIME],
    ['dealstage', 'Deal Stage', 'enumeration', 'radio'],
    ['pipeline', 'Pipeline', ...ENUM],
    ['hubspot_owner_id', 'Deal owner', ...ENUM, 'owner'],
    ['hubspot_owner_assigneddate', 'Owner assigned date', ...DATETIME, 'readonly'],
    ['hs_lastmodifieddate', 'Last Modified Date', ...DATETIME, 'readonly'],
    ['hs_object_id', 'Record ID', ...NUMBER, 'readonly'],
    ['hs_forecast_category', 'Forecast category', ...ENUM, 'calculated'],
    ['hs_deal_stage_probability', 'Deal probability', ...NUMBER, 'calculated'],
    ['hs_is_closed', 'Is Deal Closed?', 'bool', 'booleancheckbox', 'calculated'],
    ['hs_is_closed_won', 'Is Closed Won', 'bool', 'booleancheckbox', 'calculated'],
    ['hs_merged_object_ids', 'Merged Deal IDs', 'enumeration', 'checkbox', 'readonly'],
    ['days_to_close', 'Days to close', ...NUMBER, 'calculated'],
  ],
  contacts: [
    ['email', 'Email', ...TEXT],
    ['firstname', 'First Name', ...TEXT],
    ['lastname', 'Last Name', ...TEXT],
    ['createdate', 'Create Date', ...DATETIME],
    ['lastmodifieddate', 'Last Modified Date', ...DATETIME, 'readonly'],
    ['hs_object_id', 'Record ID', ...NUMBER, 'readonly'],
    ['hubspot_owner_id', 'Contact owner', ...ENUM, 'owner'],
    ['hubspot_owner_assigneddate', 'Owner assigned date', ...DATETIME, 'readonly'],
    ['hubspotscore', 'HubSpot Score', ...NUMBER, 'calculated'],
    ['hs_analytics_source', 'Original Source', ...ENUM, 'readonly'],
    ['lifecyclestage', 'Lifecycle Stage', ...ENUM],
    ['hs_lead_status', 'Lead Status', 'enumeration', 'radio'],
  ],
  users: [
    ['hs_internal_user_id', 'User ID', ...NUMBER, 'readonly'],
    ['hs_email', 'Email', ...TEXT, 'readonly'],
    ['hs_given_name', 'First name', ...TEXT, 'readonly'],
    ['hs_family_name', 'Last name', ...TEXT, 'readonly'],
    ['hs_job_title', 'Job title', ...TEXT],
    ['hs_createdate', 'Object create date/time', ...DATETIME, 'readonly'],
    ['hs_lastmodifieddate', 'Object last modified date/time', ...DATETIME, 'readonly'],
    ['hs_object_id', 'Record ID', ...NUMBER, 'readonly'],
  ],
  goal_targets: [
    ['hs_goal_name', 'Goal name', ...TEXT],
    ['hs_target_amount', 'Target amount', ...NUMBER],
    ['hs_start_datetime', 'Start date', ...DATETIME],
    ['hs_end_datetime', 'End date', ...DATETIME],
    ['hs_assignee_user_id', 'Assignee user ID', ...NUMBER],
    ['hs_created_by_user_id', 'Created by user ID', ...NUMBER, 'readonly'],
    ['hs_createdate', 'Object create date/time', ...DATETIME, 'readonly'],
    ['hs_lastmodifieddate', 'Object last modified date/time', ...DATETIME, 'readonly'],
    ['hs_object_id', 'Record ID', ...NUMBER, 'readonly'],
  ],
};

const DEFAULT_GROUP: Readonly<Record<ObjectType, PropertyGroupDefinition>> = {
  deals: { name: 'dealinformation', label: 'Deal information', displayOrder: -1 },
  contacts: { name: 'contactinformation', label: 'Contact information', displayOrder: -1 },
  users: { name: 'userinformation', label: 'User information', displayOrder: -1 },
  goal_targets: { name: 'goaltargetinformation', label: 'Goal target information', displayOrder: -1 },
};

export class PropertyCatalog {
  private readonly properties = new Map<ObjectType, Map<string, PropertyDefinition>>();
  private readonly groups = new Map<ObjectType, Map<string, PropertyGroupDefinition>>();

  constructor(
    private readonly createdAt: number,
    pipelines: readonly SandboxPipeline[],
  ) {
    const enumOptions: Record<string, readonly string[]> = {
      deal_currency_code: ['USD', 'EUR', 'GBP'],
      dealstage: pipelines.flatMap((p) => p.stages.map((s) => s.id)),
      pipeline: pipelines.map((p) => p.id),
      hs_forecast_category: ['OMIT', 'PIPELINE', 'BEST_CASE', 'COMMIT', 'CLOSED'],
      lifecyclestage: ['lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer'],
      hs_lead_status: ['NEW', 'OPEN', 'IN_PROGRESS', 'UNQUALIFIED'],
      hs_is_closed: ['true', 'false'],
      hs_is_closed_won: ['true', 'false'],
    };
    // The stage calculated properties: one set per stage id of every pipeline (stage-properties.ts).
    const stageSpecs: Spec[] = stagePropertySpecs(pipelines).map((p) => [
      p.name,
      p.label,
      ...(p.type === 'datetime' ? DATETIME : NUMBER),
      'calculated',
    ]);
    for (const object of OBJECT_TYPES) {
      const map = new Map<string, PropertyDefinition>();
      (object === 'deals' ? [...SPECS[object], ...stageSpecs] : SPECS[object]).forEach(
        ([name, label, type, fieldType, flags = ''], displayOrder) => {
          const options = (enumOptions[name] ?? []).map((value, k) => ({
            label: value,
            value,
            displayOrder: k,
            hidden: false,
            description: '',
          }));
          map.set(name, {
            name,
            label,
            type,
            fieldType,
            groupName: DEFAULT_GROUP[object].name,
            description: '',
            displayOrder,
            hubspotDefined: true,
            readOnlyValue: flags === 'readonly' || flags === 'calculated',
            calculated: flags === 'calculated',
            externalOptions: flags === 'owner',
            hasUniqueValue: false,
            hidden: false,
            formField: object === 'contacts',
            options,
            createdAt,
            updatedAt: createdAt,
          });
        },
      );
      this.properties.set(object, map);
      this.groups.set(object, new Map([[DEFAULT_GROUP[object].name, DEFAULT_GROUP[object]]]));
    }
  }

  list(object: ObjectType): readonly PropertyDefinition[] {
    return [...this.properties.get(object)!.values()];
  }

  get(object: ObjectType, name: string): PropertyDefinition | undefined {
    return this.properties.get(object)!.get(name);
  }

  has(object: ObjectType, name: string): boolean {
    return this.properties.get(object)!.has(name);
  }

  listGroups(object: ObjectType): readonly PropertyGroupDefinition[] {
    return [...this.groups.get(object)!.values()];
  }

  create(object: ObjectType, input: unknown, at: number): PropertyDefinition | HttpError {
    const body = (input ?? {}) as Record<string, unknown>;
    const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter(
      (k) => typeof body[k] !== 'string',
    );
    if (missing.length > 0)
      return validationError(`Invalid input: missing required fields ${missing.join(', ')}`);
    const name = body['name'] as string;
    const groupName = body['groupName'] as string;
    if (this.has(object, name)) return conflict(`A property named '${name}' already exists.`);
    if (!this.groups.get(object)!.has(groupName)) {
      return validationError(`Property group '${groupName}' does not exist.`);
    }
    const rawOptions = Array.isArray(body['options']) ? (body['options'] as Record<string, unknown>[]) : [];
    const definition: PropertyDefinition = {
      name,
      label: body['label'] as string,
      type: body['type'] as string,
      fieldType: body['fieldType'] as string,
      groupName,
      description: typeof body['description'] === 'string' ? body['description'] : '',
      displayOrder: typeof body['displayOrder'] === 'number' ? body['displayOrder'] : -1,
      hubspotDefined: false,
      readOnlyValue: false,
      calculated: false,
      externalOptions: false,
      hasUniqueValue: body['hasUniqueValue'] === true,
      hidden: body['hidden'] === true,
      formField: body['formField'] === true,
      options: rawOptions.map((o, k) => ({
        label: String(o['label'] ?? o['value'] ?? ''),
        value: String(o['value'] ?? ''),
        displayOrder: typeof o['displayOrder'] === 'number' ? o['displayOrder'] : k,
        hidden: o['hidden'] === true,
        description: typeof o['description'] === 'string' ? o['description'] : '',
      })),
      createdAt: at,
      updatedAt: at,
    };
    this.properties.get(object)!.set(name, definition);
    return definition;
  }

  delete(object: ObjectType, name: string): HttpError | null {
    const definition = this.get(object, name);
    if (!definition) return notFound(`Property ${name} does not exist`);
    if (definition.hubspotDefined)
      return validationError(`Property ${name} is HubSpot-defined and cannot be archived.`);
    this.properties.get(object)!.delete(name);
    return null;
  }

  createGroup(object: ObjectType, input: unknown): PropertyGroupDefinition | HttpError {
    const body = (input ?? {}) as Record<string, unknown>;
    if (typeof body['name'] !== 'string' || typeof body['label'] !== 'string') {
      return validationError('Invalid input: name and label are required');
    }
    const groups = this.groups.get(object)!;
    if (groups.has(body['name'])) return conflict(`A property group named '${body['name']}' already exists.`);
    const group = {
      name: body['name'],
      label: body['label'],
      displayOrder: typeof body['displayOrder'] === 'number' ? body['displayOrder'] : -1,
    };
    groups.set(group.name, group);
    return group;
  }

  toWire(definition: PropertyDefinition): Record<string, unknown> {
    return {
      updatedAt: iso(definition.updatedAt),
      createdAt: iso(definition.createdAt),
      name: definition.name,
      label: definition.label,
      type: definition.type,
      fieldType: definition.fieldType,
      description: definition.description,
      groupName: definition.groupName,
      options: definition.options,
      displayOrder: definition.displayOrder,
      calculated: definition.calculated,
      externalOptions: definition.externalOptions,
      hasUniqueValue: definition.hasUniqueValue,
      hidden: definition.hidden,
      hubspotDefined: definition.hubspotDefined,
      showCurrencySymbol: definition.type === 'number' && definition.name.includes('amount'),
      modificationMetadata: {
        archivable: !definition.hubspotDefined,
        readOnlyDefinition: definition.hubspotDefined,
        readOnlyValue: definition.readOnlyValue,
        readOnlyOptions: definition.type === 'enumeration' && definition.hubspotDefined,
      },
      formField: definition.formField,
      archived: false,
    };
  }

  groupToWire(group: PropertyGroupDefinition): Record<string, unknown> {
    return { name: group.name, label: group.label, displayOrder: group.displayOrder, archived: false };
  }
}

export const DEFAULT_PROPERTIES: Readonly<Record<ObjectType, readonly string[]>> = {
  deals: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  users: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  goal_targets: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** HubSpot adds these to any explicit `properties` list. */
export const ALWAYS_INCLUDED: Readonly<Record<ObjectType, readonly string[]>> = {
  deals: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  contacts: ['createdate', 'lastmodifieddate', 'hs_object_id'],
  users: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  goal_targets: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};
