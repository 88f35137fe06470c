/**
 * The sObject definitions the sandbox serves: the standard objects a sales-ops connector reads,
 * with the describe properties (type, label, createable, updateable...) Salesforce reports.
 * Values in rows are typed by these definitions: datetime fields hold epoch milliseconds,
 * date fields `YYYY-MM-DD` strings, so comparisons and sorting need no parsing.
 */

import { type FieldDef, type FieldOptions, field, type ObjectDef } from './field-def.js';

export { type FieldDef, field, type ObjectDef, type SoapType } from './field-def.js';

const rw = { updateable: true } as const;
const ref = (to: string[], relationshipName: string, updateable = false): FieldOptions => ({
  referenceTo: to,
  relationshipName,
  updateable,
});

/** Id and the system audit fields every sObject carries. */
function audit(withIsDeleted: boolean): FieldDef[] {
  return [
    field('Id', 'id', { label: 'Record ID', nillable: false }),
    ...(withIsDeleted ? [field('IsDeleted', 'boolean', { label: 'Deleted' })] : []),
    field('CreatedDate', 'datetime', { nillable: false }),
    field('CreatedById', 'reference', ref(['User'], 'CreatedBy')),
    field('LastModifiedDate', 'datetime', { nillable: false }),
    field('LastModifiedById', 'reference', ref(['User'], 'LastModifiedBy')),
    field('SystemModstamp', 'datetime', { label: 'System Modstamp', nillable: false }),
  ];
}

function object(
  name: string,
  keyPrefix: string,
  fields: FieldDef[],
  options: Partial<Omit<ObjectDef, 'name' | 'keyPrefix' | 'fields'>> = {},
): ObjectDef {
  const hasIsDeleted = options.hasIsDeleted ?? true;
  const label = options.label ?? name.replace(/([a-z])([A-Z])/g, '$1 $2');
  return {
    name,
    label,
    labelPlural: options.labelPlural ?? `${label}s`,
    keyPrefix,
    custom: options.custom ?? false,
    createable: options.createable ?? false,
    updateable: options.updateable ?? false,
    deletable: options.deletable ?? false,
    hasIsDeleted,
    fields: [...audit(hasIsDeleted), ...fields],
  };
}

export interface SchemaOptions {
  readonly multiCurrency: boolean;
  readonly stageNames: readonly string[];
  readonly currencies: readonly string[];
}

/**
 * `CurrencyIsoCode` exists only in multi-currency orgs: a single-currency org answers
 * INVALID_FIELD for it, and CurrencyType is not an sObject there at all (INVALID_TYPE).
 */
export function standardObjects(options: SchemaOptions): ObjectDef[] {
  const currency = options.multiCurrency
    ? [
        field('CurrencyIsoCode', 'picklist', {
          ...rw,
          label: 'Currency ISO Code',
          picklistValues: options.currencies,
        }),
      ]
    : [];
  const history = (parent: string) => [
    field(`${parent}Id`, 'reference', ref([parent], parent)),
    field('Field', 'picklist', { label: 'Changed Field' }),
    field('DataType', 'picklist', { label: 'Data Type' }),
    field('OldValue', 'anyType', { label: 'Old Value' }),
    field('NewValue', 'anyType', { label: 'New Value' }),
  ];
  const objects = [
    object(
      'Organization',
      '00D',
      [
        field('Name', 'string'),
        field('TimeZoneSidKey', 'picklist', { label: 'Default Time Zone' }),
        field('FiscalYearStartMonth', 'int', { label: 'Fiscal Year Starts In' }),
        field('UsesStartDateAsFiscalYearName', 'boolean', { label: 'Fiscal Year Name by Start' }),
        field('DefaultLocaleSidKey', 'picklist', { label: 'Default Locale' }),
        field('LanguageLocaleKey', 'picklist', { label: 'Default Language' }),
        field('DefaultCurrencyIsoCode', 'picklist', { label: 'Currency ISO Code' }),
        field('OrganizationType', 'picklist', { label: 'Edition' }),
        field('IsSandbox', 'boolean'),
        field('InstanceName', 'string'),
      ],
      { hasIsDeleted: false },
    ),
    object(
      'UserRole',
      '00E',
      [
        field('Name', 'string', rw),
        field('DeveloperName', 'string'),
        field('ParentRoleId', 'reference', ref(['UserRole'], 'ParentRole')),
        field('RollupDescription', 'string'),
      ],
      { hasIsDeleted: false },
    ),
    object(
      'User',
      '005',
      [
        field('Username', 'string'),
        field('FirstName', 'string', rw),
        field('LastName', 'string', rw),
        field('Name', 'string', { label: 'Full Name' }),
        field('Email', 'email', rw),
        field('Title', 'string', rw),
        field('Department', 'string', rw),
        field('IsActive', 'boolean', { ...rw, label: 'Active' }),
        field('UserType', 'picklist', { label: 'User Type' }),
        field('UserRoleId', 'reference', ref(['UserRole'], 'UserRole', true)),
        field('ManagerId', 'reference', ref(['User'], 'Manager', true)),
        field('TimeZoneSidKey', 'picklist', { ...rw, label: 'Time Zone' }),
        field('LastLoginDate', 'datetime'),
        ...(options.multiCurrency
          ? [field('DefaultCurrencyIsoCode', 'picklist', { ...rw, picklistValues: options.currencies })]
          : []),
      ],
      { hasIsDeleted: false, updateable: true },
    ),
    object(
      'Group',
      '00G',
      [
        field('Name', 'string', rw),
        field('DeveloperName', 'string'),
        field('Type', 'picklist', { picklistValues: ['Queue', 'Regular', 'Role'] }),
        field('Email', 'email', rw),
      ],
      { hasIsDeleted: false },
    ),
    object(
      'OpportunityStage',
      '01J',
      [
        field('MasterLabel', 'string', { label: 'Master Label' }),
        field('ApiName', 'string', { label: 'Api Name' }),
        field('IsActive', 'boolean'),
        field('SortOrder', 'int'),
        field('IsClosed', 'boolean'),
        field('IsWon', 'boolean'),
        field('ForecastCategory', 'picklist'),
        field('ForecastCategoryName', 'picklist'),
        field('DefaultProbability', 'percent'),
        field('Description', 'string'),
      ],
      { hasIsDeleted: false },
    ),
    object(
      'RecordType',
      '012',
      [
        field('Name', 'string'),
        field('DeveloperName', 'string'),
        field('SobjectType', 'picklist'),
        field('IsActive', 'boolean'),
        field('Description', 'string'),
        field('BusinessProcessId', 'reference', ref(['BusinessProcess'], 'BusinessProcess')),
      ],
      { hasIsDeleted: false },
    ),
    object(
      'Opportunity',
      '006',
      [
        field('Name', 'string', { ...rw, nillable: false, length: 120 }),
        field('StageName', 'picklist', { ...rw, label: 'Stage', picklistValues: options.stageNames }),
        field('Amount', 'currency', rw),
        field('Probability', 'percent', { ...rw, label: 'Probability (%)', precision: 3 }),
        field('ExpectedRevenue', 'currency', { calculated: true, label: 'Expected Amount' }),
        field('CloseDate', 'date', { ...rw, nillable: false }),
        field('Type', 'picklist', { ...rw, label: 'Opportunity Type' }),
        field('LeadSource', 'picklist', rw),
        field('IsClosed', 'boolean', { label: 'Closed' }),
        field('IsWon', 'boolean', { label: 'Won' }),
        field('ForecastCategory', 'picklist'),
        field('ForecastCategoryName', 'picklist', { ...rw, label: 'Forecast Category' }),
        field('OwnerId', 'reference', ref(['User'], 'Owner', true)),
        field('RecordTypeId', 'reference', ref(['RecordType'], 'RecordType', true)),
        field('LastStageChangeDate', 'datetime'),
        ...currency,
      ],
      { createable: true, updateable: true, deletable: true, labelPlural: 'Opportunities' },
    ),
    object(
      'OpportunityHistory',
      '008',
      [
        field('OpportunityId', 'reference', ref(['Opportunity'], 'Opportunity')),
        field('StageName', 'picklist'),
        field('Amount', 'currency'),
        field('ExpectedRevenue', 'currency'),
        field('CloseDate', 'date'),
        field('Probability', 'percent'),
        field('ForecastCategory', 'picklist'),
        ...(options.multiCurrency ? [field('CurrencyIsoCode', 'picklist')] : []),
      ],
      { label: 'Opportunity History', labelPlural: 'Opportunity History' },
    ),
    object('OpportunityFieldHistory', '017', history('Opportunity'), {
      label: 'Opportunity Field History',
      labelPlural: 'Opportunity Field History',
    }),
    object(
      'Lead',
      '00Q',
      [
        field('FirstName', 'string', rw),
        field('LastName', 'string', { ...rw, nillable: false }),
        field('Name', 'string', { label: 'Full Name' }),
        field('Company', 'string', rw),
        field('Email', 'email', rw),
        field('Title', 'string', rw),
        field('Industry', 'picklist', rw),
        field('Status', 'picklist', rw),
        field('Rating', 'picklist', { ...rw, picklistValues: ['Hot', 'Warm', 'Cold'] }),
        field('LeadSource', 'picklist', rw),
        field('IsConverted', 'boolean', { label: 'Converted' }),
        field('ConvertedDate', 'date'),
        field('ConvertedOpportunityId', 'reference', ref(['Opportunity'], 'ConvertedOpportunity')),
        field('OwnerId', 'reference', ref(['Group', 'User'], 'Owner', true)),
        ...currency,
      ],
      { createable: true, updateable: true, deletable: true },
    ),
    object('LeadHistory', '017', history('Lead'), { label: 'Lead History', labelPlural: 'Lead History' }),
    object(
      'ForecastingQuota',
      '0J9',
      [
        field('QuotaOwnerId', 'reference', ref(['User'], 'QuotaOwner', true)),
        field('StartDate', 'date', rw),
        field('QuotaAmount', 'currency', rw),
        field('QuotaQuantity', 'double', rw),
        field('ForecastingTypeId', 'reference', ref(['ForecastingType'], 'ForecastingType')),
        field('IsAmount', 'boolean'),
        field('IsQuantity', 'boolean'),
        ...currency,
      ],
      { hasIsDeleted: false, createable: true, updateable: true, label: 'Forecasting Quota' },
    ),
    object(
      'PermissionSet',
      '0PS',
      [
        field('Name', 'string', rw),
        field('Label', 'string', rw),
        field('Description', 'string', rw),
        field('IsOwnedByProfile', 'boolean'),
        field('PermissionsManageUsers', 'boolean', rw),
      ],
      { createable: true, updateable: true, deletable: true, label: 'Permission Set' },
    ),
    object(
      'FieldPermissions',
      '01k',
      [
        field('ParentId', 'reference', { ...ref(['PermissionSet'], 'Parent'), createable: true }),
        field('SobjectType', 'picklist', { createable: true }),
        field('Field', 'picklist', { createable: true }),
        field('PermissionsRead', 'boolean', rw),
        field('PermissionsEdit', 'boolean', rw),
      ],
      {
        hasIsDeleted: false,
        createable: true,
        updateable: true,
        deletable: true,
        label: 'Field Permissions',
        labelPlural: 'Field Permissions',
      },
    ),
    object(
      'PermissionSetAssignment',
      '0Pa',
      [
        field('PermissionSetId', 'reference', {
          ...ref(['PermissionSet'], 'PermissionSet'),
          createable: true,
        }),
        field('AssigneeId', 'reference', { ...ref(['User'], 'Assignee'), createable: true }),
      ],
      { hasIsDeleted: false, createable: true, deletable: true, label: 'Permission Set Assignment' },
    ),
  ];
  if (options.multiCurrency) {
    objects.push(
      object(
        'CurrencyType',
        '01L',
        [
          field('IsoCode', 'picklist', { label: 'Currency ISO Code' }),
          field('ConversionRate', 'double', { ...rw, scale: 6 }),
          field('DecimalPlaces', 'int'),
          field('IsActive', 'boolean', rw),
          field('IsCorporate', 'boolean', { label: 'Corporate Currency' }),
        ],
        { hasIsDeleted: false, label: 'Currency Type' },
      ),
    );
  }
  return objects;
}

/** A custom object as the Metadata API creates it: Name plus the standard fields. */
export function customObject(name: string, label: string, pluralLabel: string, keyPrefix: string): ObjectDef {
  return object(
    name,
    keyPrefix,
    [
      field('Name', 'string', { ...rw, custom: false, length: 80 }),
      field('OwnerId', 'reference', { ...ref(['Group', 'User'], 'Owner', true), custom: false }),
    ],
    {
      custom: true,
      createable: true,
      updateable: true,
      deletable: true,
      label,
      labelPlural: pluralLabel,
    },
  );
}

/** Tooling API objects queried when checking which custom fields and objects exist. */
export function toolingObjects(): ObjectDef[] {
  return [
    object(
      'CustomField',
      '00N',
      [
        field('DeveloperName', 'string'),
        field('TableEnumOrId', 'string'),
        field('NamespacePrefix', 'string'),
        field('FullName', 'string'),
      ],
      { hasIsDeleted: false, createable: true, label: 'Custom Field' },
    ),
    object(
      'CustomObject',
      '01I',
      [field('DeveloperName', 'string'), field('NamespacePrefix', 'string'), field('FullName', 'string')],
      { hasIsDeleted: false, createable: true, label: 'Custom Object' },
    ),
  ];
}
