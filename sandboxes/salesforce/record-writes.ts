import { ApiError } from './api-error.js';
import { assertGrantable } from './custom-metadata.js';
import { stamp } from './generator/deals.js';
import { normalizeId } from './ids.js';
import type { FieldDef } from './schema.js';
import type { OrgStore } from './store.js';
import type { Table, Value } from './table.js';

/** One record's outcome, in Salesforce's SaveResult shape. */
export type SaveResult =
  | { readonly id: string; readonly success: true; readonly errors: readonly [] }
  | { readonly id?: string; readonly success: false; readonly errors: readonly RecordError[] };

export interface RecordError {
  readonly statusCode: string;
  readonly message: string;
  readonly fields: readonly string[];
}

class RecordFailure extends Error {
  constructor(readonly error: RecordError) {
    super(error.message);
  }
}

const fail = (statusCode: string, message: string, fields: string[] = []) =>
  new RecordFailure({ statusCode, message, fields });

export interface WriteState {
  /** Records still to fail with UNABLE_TO_LOCK_ROW (set by failNextWithLockRow). */
  lockFailures: number;
}

interface Prepared {
  readonly apply: () => string;
}

/**
 * Validates and applies a batch of record writes the way sObject Collections do: every record
 * is checked, then either the valid ones are applied (allOrNone=false) or, when any failed and
 * allOrNone=true, none are and the valid ones report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
export function writeRecords(
  store: OrgStore,
  state: WriteState,
  mode: 'update' | 'create',
  records: readonly unknown[],
  allOrNone: boolean,
): SaveResult[] {
  const prepared: (Prepared | RecordError)[] = records.map((r) => {
    try {
      return prepare(store, state, mode, r);
    } catch (e) {
      if (e instanceof RecordFailure) return e.error;
      throw e;
    }
  });
  const anyFailed = prepared.some((p) => !('apply' in p));
  if (allOrNone && anyFailed) {
    return prepared.map((p) =>
      'apply' in p
        ? {
            success: false as const,
            errors: [
              {
                statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                message:
                  'Record rolled back because not all records were valid and the request was using AllOrNone header',
                fields: [],
              },
            ],
          }
        : { success: false as const, errors: [p] },
    );
  }
  return prepared.map((p) =>
    'apply' in p
      ? { id: p.apply(), success: true as const, errors: [] as const }
      : { success: false as const, errors: [p] },
  );
}

function prepare(store: OrgStore, state: WriteState, mode: 'update' | 'create', input: unknown): Prepared {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'Each record must be a JSON object');
  }
  const record = input as Record<string, unknown>;
  const attributes = record['attributes'] as { type?: unknown } | undefined;
  const typeName = typeof attributes?.type === 'string' ? attributes.type : undefined;
  if (!typeName) throw fail('INVALID_TYPE', 'Must specify a type in the attributes of each record');
  const table = store.table(typeName);
  if (!table) throw fail('INVALID_TYPE', `sObject type '${typeName}' is not supported.`);
  const values = fieldValues(store, table, record, mode);
  if (mode === 'create') {
    if (!table.def.createable)
      throw fail('INVALID_TYPE_FOR_OPERATION', `entity type ${table.name} does not support insert`);
    checkCreate(store, table, values);
    return { apply: () => table.insert({ ...defaults(store, table), ...values }) };
  }
  const rawId = record['id'] ?? record['Id'];
  if (typeof rawId !== 'string' || rawId === '')
    throw fail('MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
  const id = normalizeId(rawId);
  if (!id?.startsWith(table.def.keyPrefix)) {
    throw fail('MALFORMED_ID', `${table.def.label} ID: id value of incorrect type: ${rawId}`, ['Id']);
  }
  const handle = table.handleOf(id);
  const row = handle === undefined ? undefined : table.row(handle);
  if (handle === undefined || !row) throw fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
  if (row['IsDeleted'] === true) throw fail('ENTITY_IS_DELETED', 'entity is deleted');
  if (table.name === 'User' && !store.options.manageUsers) {
    throw fail('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
  }
  if (state.lockFailures > 0) {
    state.lockFailures -= 1;
    throw fail('UNABLE_TO_LOCK_ROW', `unable to obtain exclusive access to this record or 1 records: ${id}`);
  }
  return {
    apply: () => {
      store.applyUpdate(table, handle, values);
      return id;
    },
  };
}

function fieldValues(
  store: OrgStore,
  table: Table,
  record: Record<string, unknown>,
  mode: 'update' | 'create',
): Record<string, Value> {
  const visible = new Map(store.visibleFields(table).map((f) => [f.name.toLowerCase(), f]));
  const out: Record<string, Value> = {};
  for (const [key, raw] of Object.entries(record)) {
    if (key === 'attributes' || (mode === 'update' && key.toLowerCase() === 'id')) continue;
    const f = visible.get(key.toLowerCase());
    if (!f) throw fail('INVALID_FIELD', `No such column '${key}' on sobject of type ${table.name}`);
    const access = store.access(table.def, f);
    const writable = mode === 'create' ? f.createable || access.edit : access.edit;
    if (!writable) {
      throw fail(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [f.name],
      );
    }
    out[f.name] = convert(f, raw);
  }
  return out;
}

/** JSON value → stored value. A value of the wrong JSON type fails the whole request, as in Salesforce. */
function convert(f: FieldDef, raw: unknown): Value {
  if (raw === null) return null;
  const bad = () =>
    new ApiError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${f.type} from ${JSON.stringify(raw)} for field ${f.name}`,
    );
  switch (f.type) {
    case 'currency':
    case 'double':
    case 'percent':
    case 'int': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN;
      if (!Number.isFinite(n)) throw bad();
      const factor = 10 ** f.scale;
      const rounded = Math.round(n * factor) / factor;
      if (f.precision > 0 && Math.abs(rounded) >= 10 ** (f.precision - f.scale)) {
        throw fail(
          'NUMBER_OUTSIDE_VALID_RANGE',
          `${f.label}: value outside of valid range on numeric field: ${n}`,
          [f.name],
        );
      }
      return rounded;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') throw bad();
      return raw;
    case 'date':
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw)))
        throw bad();
      return raw;
    case 'datetime': {
      const ms =
        typeof raw === 'string' ? Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
      if (Number.isNaN(ms)) throw bad();
      return ms;
    }
    case 'reference':
    case 'id': {
      const id = typeof raw === 'string' ? normalizeId(raw) : undefined;
      if (!id) throw fail('MALFORMED_ID', `${f.label}: id value of incorrect type: ${String(raw)}`, [f.name]);
      return id;
    }
    default: {
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') throw bad();
      const s = String(raw);
      if (f.length > 0 && s.length > f.length) {
        throw fail(
          'STRING_TOO_LONG',
          `${f.label}: data value too large: ${s.slice(0, 40)} (max length=${f.length})`,
          [f.name],
        );
      }
      return s;
    }
  }
}

function defaults(store: OrgStore, table: Table): Record<string, Value> {
  const at = store.now();
  const base: Record<string, Value> = { ...stamp(at, store.model.integrationUserId) };
  if (table.def.hasIsDeleted) base['IsDeleted'] = false;
  if (table.def.fields.some((f) => f.name === 'OwnerId')) base['OwnerId'] = store.model.integrationUserId;
  if (table.name === 'PermissionSet')
    Object.assign(base, { IsOwnedByProfile: false, PermissionsManageUsers: false });
  // Salesforce checkboxes are never null: an unset one is false (a new Lead is not converted).
  for (const f of table.def.fields) if (f.type === 'boolean' && !(f.name in base)) base[f.name] = false;
  return base;
}

/** Required fields and uniqueness rules for the objects a connector creates. */
function checkCreate(store: OrgStore, table: Table, values: Record<string, Value>): void {
  const required: Record<string, string[]> = {
    PermissionSet: ['Name', 'Label'],
    FieldPermissions: ['ParentId', 'SobjectType', 'Field'],
    PermissionSetAssignment: ['PermissionSetId', 'AssigneeId'],
  };
  for (const name of required[table.name] ?? (table.def.custom ? ['Name'] : [])) {
    if (values[name] === undefined || values[name] === null) {
      throw fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${name}]`, [name]);
    }
  }
  const exists = (
    t: string,
    parentField: string,
    parent: Value,
    match: (r: Record<string, Value>) => boolean,
  ) => {
    const other = store.table(t)!;
    return (other.lookup(parentField, String(parent)) ?? []).some((h) => {
      const r = other.row(h);
      return r !== undefined && match(r);
    });
  };
  if (table.name === 'PermissionSet') {
    const sets = store.table('PermissionSet')!;
    if ([...sets.handles()].some((h) => sets.row(h)?.['Name'] === values['Name'])) {
      throw fail('DUPLICATE_DEVELOPER_NAME', `The API name ${String(values['Name'])} is already in use`, [
        'Name',
      ]);
    }
  }
  if (table.name === 'FieldPermissions') {
    if (!store.table('PermissionSet')!.get(String(values['ParentId'])))
      throw fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['ParentId']);
    try {
      assertGrantable(store, String(values['Field']));
    } catch (e) {
      if (e instanceof ApiError) throw fail(e.errorCode, e.message, ['Field']);
      throw e;
    }
    const field = String(values['Field']).toLowerCase();
    if (
      exists(
        'FieldPermissions',
        'ParentId',
        values['ParentId'] ?? null,
        (r) => String(r['Field']).toLowerCase() === field,
      )
    ) {
      throw fail(
        'DUPLICATE_VALUE',
        `duplicate value found: Field duplicates value on record with id: ${String(values['ParentId'])}`,
        ['Field'],
      );
    }
  }
  if (table.name === 'PermissionSetAssignment') {
    if (!store.table('PermissionSet')!.get(String(values['PermissionSetId'])))
      throw fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['PermissionSetId']);
    if (!store.table('User')!.get(String(values['AssigneeId'])))
      throw fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['AssigneeId']);
    if (
      exists(
        'PermissionSetAssignment',
        'AssigneeId',
        values['AssigneeId'] ?? null,
        (r) => r['PermissionSetId'] === values['PermissionSetId'],
      )
    ) {
      throw fail(
        'DUPLICATE_VALUE',
        'Duplicate PermissionSetAssignment. Assignee: ' + String(values['AssigneeId']),
        [],
      );
    }
  }
}
