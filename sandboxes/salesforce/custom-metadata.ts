import { ApiError } from './api-error.js';
import { stamp } from './generator/deals.js';
import { field, type SoapType } from './schema.js';
import type { OrgStore } from './store.js';

/**
 * Custom fields, the custom object and permission sets, shared by the Tooling API (JSON) and
 * the Metadata API (SOAP) so both paths enforce the same rules.
 */

export interface CustomFieldMetadata {
  readonly type?: string;
  readonly label?: string;
  readonly precision?: number;
  readonly scale?: number;
  readonly length?: number;
  readonly description?: string;
  readonly inlineHelpText?: string;
  readonly referenceTo?: string;
  readonly relationshipName?: string;
}

const TYPES: Record<string, SoapType> = {
  Number: 'double',
  Percent: 'percent',
  Currency: 'currency',
  Date: 'date',
  DateTime: 'datetime',
  Text: 'string',
  Checkbox: 'boolean',
  Lookup: 'reference',
  LongTextArea: 'textarea',
  Picklist: 'picklist',
};

/** Developer names: a letter first, letters/digits/single underscores, no trailing underscore. */
const DEV_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$/;

const integrity = (message: string, fields: string[] = []) =>
  new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', message, fields);

export function createCustomField(store: OrgStore, fullName: string, meta: CustomFieldMetadata): string {
  const dot = fullName.indexOf('.');
  const objectName = fullName.slice(0, dot);
  const name = fullName.slice(dot + 1);
  const table = dot > 0 ? store.table(objectName) : undefined;
  if (!table || (!['Opportunity', 'Lead', 'User'].includes(table.def.name) && !table.def.custom)) {
    throw integrity(`Cannot create a custom field on '${objectName || fullName}'`, ['FullName']);
  }
  if (!name.endsWith('__c') || !DEV_NAME.test(name.slice(0, -3)) || name.length > 43) {
    throw integrity(
      `Invalid field name '${name}': the API name must end in __c, start with a letter and use only letters, digits and single underscores`,
      ['FullName'],
    );
  }
  if (table.def.fields.some((f) => f.name.toLowerCase() === name.toLowerCase())) {
    throw new ApiError(
      400,
      'DUPLICATE_DEVELOPER_NAME',
      `There is already a field named ${name.slice(0, -3)} on ${table.def.name}.`,
      ['FullName'],
    );
  }
  const type = meta.type ? TYPES[meta.type] : undefined;
  if (!type) throw integrity(`Field type '${meta.type ?? ''}' is not valid`, ['Type']);
  if (!meta.label) throw integrity('Label: You must enter a value', ['Label']);
  let precision = 0;
  let scale = 0;
  let length = 0;
  if (type === 'double' || type === 'percent' || type === 'currency') {
    // Salesforce requires both for numeric fields; a missing one is an error, not a default.
    precision = Number(meta.precision);
    scale = Number(meta.scale);
    if (!Number.isInteger(precision) || precision < 1 || precision > 18)
      throw integrity('Precision: You must enter a value between 1 and 18', ['Precision']);
    if (!Number.isInteger(scale) || scale < 0 || scale > precision)
      throw integrity('Scale: must be between 0 and the precision', ['Scale']);
  }
  if (type === 'string') {
    length = Number(meta.length);
    if (!Number.isInteger(length) || length < 1 || length > 255)
      throw integrity('Length: You must enter a value between 1 and 255', ['Length']);
  }
  if (type === 'textarea') length = Number(meta.length) || 32768;
  let referenceTo: string[] = [];
  let relationshipName: string | null = null;
  if (type === 'reference') {
    const target = meta.referenceTo ? store.table(meta.referenceTo) : undefined;
    if (!target)
      throw integrity(`referenceTo: '${meta.referenceTo ?? ''}' is not a valid object`, ['ReferenceTo']);
    if (!meta.relationshipName)
      throw integrity('Child Relationship Name: You must enter a value', ['RelationshipName']);
    referenceTo = [target.def.name];
    relationshipName = `${meta.relationshipName}__r`;
  }
  return store.addCustomField(
    table.def.name,
    field(name, type, {
      label: meta.label,
      custom: true,
      updateable: true,
      precision,
      scale,
      length,
      referenceTo,
      relationshipName,
    }),
  );
}

export interface CustomObjectMetadata {
  readonly label?: string;
  readonly pluralLabel?: string;
  readonly fields?: readonly ({ readonly fullName: string } & CustomFieldMetadata)[];
}

export function createCustomObject(store: OrgStore, fullName: string, meta: CustomObjectMetadata): string {
  if (!fullName.endsWith('__c') || !DEV_NAME.test(fullName.slice(0, -3))) {
    throw integrity(`Invalid object name '${fullName}'`, ['fullName']);
  }
  if (store.table(fullName)) {
    throw new ApiError(400, 'DUPLICATE_DEVELOPER_NAME', `There is already an object named ${fullName}.`, [
      'fullName',
    ]);
  }
  if (!meta.label || !meta.pluralLabel)
    throw integrity('Label and Plural Label: You must enter a value', ['label']);
  const id = store.addCustomObject(fullName, meta.label, meta.pluralLabel);
  for (const f of meta.fields ?? []) createCustomField(store, `${fullName}.${f.fullName}`, f);
  return id;
}

export interface PermissionSetMetadata {
  readonly label?: string;
  readonly description?: string;
  readonly fieldPermissions?: readonly {
    readonly field: string;
    readonly readable: boolean;
    readonly editable: boolean;
  }[];
}

/**
 * Creates or updates a permission set and its field permissions. Granting a field that does
 * not exist fails, as Salesforce does, so a connector must create fields before granting them.
 */
export function savePermissionSet(
  store: OrgStore,
  fullName: string,
  meta: PermissionSetMetadata,
  mode: 'create' | 'upsert',
): { id: string; created: boolean } {
  const sets = store.table('PermissionSet')!;
  const perms = store.table('FieldPermissions')!;
  const existing = [...sets.handles()].find((h) => sets.row(h)?.['Name'] === fullName);
  if (existing !== undefined && mode === 'create') {
    throw new ApiError(
      400,
      'DUPLICATE_DEVELOPER_NAME',
      `A permission set named ${fullName} already exists.`,
      ['fullName'],
    );
  }
  for (const fp of meta.fieldPermissions ?? []) assertGrantable(store, fp.field);
  const now = store.now();
  const by = store.model.integrationUserId;
  let id: string;
  if (existing === undefined) {
    if (!meta.label) throw integrity('Label: You must enter a value', ['label']);
    id = sets.insert({
      Name: fullName,
      Label: meta.label,
      Description: meta.description ?? null,
      IsOwnedByProfile: false,
      PermissionsManageUsers: false,
      ...stamp(now, by),
    });
  } else {
    id = String(sets.row(existing)!['Id']);
    sets.update(existing, {
      ...(meta.label ? { Label: meta.label } : {}),
      LastModifiedDate: now,
      SystemModstamp: now,
    });
  }
  for (const fp of meta.fieldPermissions ?? []) {
    const match = (perms.lookup('ParentId', id) ?? []).find(
      (h) => String(perms.row(h)?.['Field']).toLowerCase() === fp.field.toLowerCase(),
    );
    const values = {
      PermissionsRead: fp.readable || fp.editable,
      PermissionsEdit: fp.editable,
      SystemModstamp: now,
      LastModifiedDate: now,
    };
    if (match === undefined) {
      perms.insert({
        ParentId: id,
        SobjectType: fp.field.split('.')[0]!,
        Field: fp.field,
        ...stamp(now, by),
        ...values,
      });
    } else {
      perms.update(match, values);
    }
  }
  return { id, created: existing === undefined };
}

export function assertGrantable(store: OrgStore, fieldName: string): void {
  const [objectName, name] = fieldName.split('.');
  const table = objectName ? store.table(objectName) : undefined;
  const f = table?.def.fields.find((x) => x.name.toLowerCase() === (name ?? '').toLowerCase());
  if (!f?.custom) {
    throw new ApiError(
      400,
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      `Field: bad value for restricted picklist field: ${fieldName}`,
      ['Field'],
    );
  }
}
