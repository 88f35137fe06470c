import { ApiError } from '../api-error.js';
import { normalizeId } from '../ids.js';
import { writeRecords } from '../record-writes.js';
import type { FieldDef } from '../schema.js';
import { projectRecord } from '../soql/execute.js';
import type { Table } from '../table.js';
import {
  header,
  json,
  parseJsonBody,
  type Reply,
  type RequestContext,
  type SandboxState,
} from './context.js';

const NOT_FOUND = () => new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  currency: 'xsd:double',
  double: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  anyType: 'xsd:anyType',
};

function tableOr404(state: SandboxState, name: string): Table {
  const t = state.store.table(name);
  if (!t) throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist`);
  return t;
}

function urls(ctx: RequestContext, name: string) {
  return {
    sobject: `${ctx.base}/sobjects/${name}`,
    describe: `${ctx.base}/sobjects/${name}/describe`,
    rowTemplate: `${ctx.base}/sobjects/${name}/{ID}`,
  };
}

function objectSummary(ctx: RequestContext, t: Table) {
  const d = t.def;
  return {
    name: d.name,
    label: d.label,
    labelPlural: d.labelPlural,
    keyPrefix: d.keyPrefix,
    custom: d.custom,
    queryable: true,
    retrieveable: true,
    searchable: !d.name.endsWith('History'),
    createable: d.createable,
    updateable: d.updateable,
    deletable: d.deletable,
    undeletable: d.hasIsDeleted && d.deletable,
    layoutable: d.createable,
    triggerable: d.createable,
    replicateable: true,
    mergeable: d.name === 'Lead',
    customSetting: false,
    deprecatedAndHidden: false,
    feedEnabled: false,
    urls: urls(ctx, d.name),
  };
}

/** GET /sobjects: the describeGlobal result. */
export function describeGlobal(state: SandboxState, ctx: RequestContext): Reply {
  return json({
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: state.store.objects().map((t) => objectSummary(ctx, t)),
  });
}

function describeField(state: SandboxState, t: Table, f: FieldDef) {
  const access = state.store.access(t.def, f);
  const filterable = f.type !== 'anyType' && f.type !== 'textarea';
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    soapType: SOAP_TYPES[f.type] ?? 'xsd:string',
    length: f.length,
    byteLength: f.length * 3,
    digits: f.type === 'int' ? 9 : 0,
    precision: f.precision,
    scale: f.scale,
    custom: f.custom,
    createable: f.createable || (f.custom && access.edit),
    updateable: access.edit,
    nillable: f.nillable,
    filterable,
    sortable: filterable,
    groupable: filterable && f.type !== 'currency',
    calculated: f.calculated,
    defaultedOnCreate: f.type === 'boolean' || f.name === 'OwnerId',
    externalId: false,
    idLookup: f.name === 'Id' || f.name === 'Name',
    unique: false,
    caseSensitive: false,
    nameField: f.name === 'Name',
    autoNumber: false,
    restrictedPicklist: false,
    dependentPicklist: false,
    htmlFormatted: false,
    inlineHelpText: null,
    defaultValue: null,
    calculatedFormula: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    polymorphicForeignKey: f.referenceTo.length > 1,
    picklistValues: f.picklistValues.map((v, i) => ({
      active: true,
      defaultValue: i === 0 && f.name === 'Status',
      label: v,
      value: v,
      validFor: null,
    })),
  };
}

/** GET /sobjects/<Object>/describe: only fields the user can see (field-level security). */
export function describeObject(state: SandboxState, ctx: RequestContext, name: string): Reply {
  const t = tableOr404(state, name);
  const recordTypes = t.name === 'Opportunity' ? state.store.rowsOf('RecordType') : [];
  return json({
    ...objectSummary(ctx, t),
    fields: state.store.visibleFields(t).map((f) => describeField(state, t, f)),
    childRelationships: [],
    recordTypeInfos: [
      ...recordTypes.map((r, i) => ({
        active: true,
        available: true,
        defaultRecordTypeMapping: i === 0,
        developerName: r['DeveloperName'],
        master: false,
        name: r['Name'],
        recordTypeId: r['Id'],
        urls: { layout: `${ctx.base}/sobjects/${t.name}/describe/layouts/${String(r['Id'])}` },
      })),
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: recordTypes.length === 0,
        developerName: 'Master',
        master: true,
        name: 'Master',
        recordTypeId: '012000000000000AAA',
        urls: {},
      },
    ],
    supportedScopes: [],
  });
}

/** GET /sobjects/<Object>: basic info plus recent items. */
export function objectInfo(state: SandboxState, ctx: RequestContext, name: string): Reply {
  return json({ objectDescribe: objectSummary(ctx, tableOr404(state, name)), recentItems: [] });
}

export function getRecord(state: SandboxState, ctx: RequestContext, name: string, id: string): Reply {
  const t = tableOr404(state, name);
  const row = t.get(id);
  if (!row || row['IsDeleted'] === true) throw NOT_FOUND();
  const visible = state.store.visibleFields(t);
  const wanted = ctx.url.searchParams.get('fields');
  let columns = visible;
  if (wanted) {
    columns = wanted.split(',').map((w) => {
      const f = visible.find((v) => v.name.toLowerCase() === w.trim().toLowerCase());
      if (!f)
        throw new ApiError(400, 'INVALID_FIELD', `No such column '${w.trim()}' on sobject of type ${t.name}`);
      return f;
    });
  }
  return json(projectRecord(row, t.name, columns, ctx.base));
}

/** PATCH /sobjects/<Object>/<id>: 204 on success, the record's error otherwise. */
export function patchRecord(state: SandboxState, ctx: RequestContext, name: string, id: string): Reply {
  const t = tableOr404(state, name);
  const body = parseJsonBody(ctx);
  const [result] = writeRecords(
    state.store,
    state.writes,
    'update',
    [{ ...(body as object), attributes: { type: t.name }, id }],
    false,
  );
  if (result?.success) {
    if (t.name === 'Lead') applyLeadAssignmentRule(state, ctx, id);
    return { status: 204 };
  }
  const e = result!.errors[0]!;
  const status = e.statusCode === 'INVALID_CROSS_REFERENCE_KEY' ? 404 : 400;
  return json([{ message: e.message, errorCode: e.statusCode, fields: e.fields }], status);
}

export function createRecord(state: SandboxState, ctx: RequestContext, name: string): Reply {
  const t = tableOr404(state, name);
  const body = parseJsonBody(ctx);
  const [result] = writeRecords(
    state.store,
    state.writes,
    'create',
    [{ ...(body as object), attributes: { type: t.name } }],
    false,
  );
  if (result?.success) {
    if (t.name === 'Lead' && result.id) applyLeadAssignmentRule(state, ctx, result.id);
    return json({ id: result.id, success: true, errors: [] }, 201);
  }
  const e = result!.errors[0]!;
  return json([{ message: e.message, errorCode: e.statusCode, fields: e.fields }], 400);
}

/** DELETE: to the recycle bin where the object has one, gone otherwise. */
export function deleteRecord(state: SandboxState, name: string, id: string): Reply {
  const t = tableOr404(state, name);
  const handle = t.handleOf(id);
  const row = handle === undefined ? undefined : t.row(handle);
  if (handle === undefined || !row) throw NOT_FOUND();
  if (!t.def.deletable)
    throw new ApiError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
  if (row['IsDeleted'] === true) throw new ApiError(400, 'ENTITY_IS_DELETED', 'entity is deleted');
  if (t.def.hasIsDeleted) state.store.softDelete(t, handle);
  else t.hardDelete(handle);
  return { status: 204 };
}

/** PATCH / POST /composite/sobjects: up to 200 records, one SaveResult each, in order. */
export function compositeWrite(state: SandboxState, ctx: RequestContext, mode: 'update' | 'create'): Reply {
  const body = parseJsonBody(ctx) as { allOrNone?: unknown; records?: unknown };
  if (typeof body !== 'object' || body === null || !Array.isArray(body.records)) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'records is required and must be an array');
  }
  if (body.records.length > 200) {
    throw new ApiError(
      400,
      'EXCEEDED_ID_LIMIT',
      'record limit reached. cannot submit more than 200 records into this call',
    );
  }
  const results = writeRecords(state.store, state.writes, mode, body.records, body.allOrNone === true);
  results.forEach((r, i) => {
    const type = (body.records as { attributes?: { type?: unknown } }[])[i]?.attributes?.type;
    if (r.success && type === 'Lead' && r.id) applyLeadAssignmentRule(state, ctx, r.id);
  });
  return json(results);
}

/**
 * The org's active lead assignment rule: Salesforce runs it on a Lead created or updated through
 * the REST API unless the request says `Sforce-Auto-Assign: FALSE` (absent means TRUE). This
 * org's rule sends every lead to its first queue ("Inbound Leads"), so an integration that forgets
 * the header sees the owner it wrote replaced, as a real org would do it.
 */
function applyLeadAssignmentRule(state: SandboxState, ctx: RequestContext, id: string): void {
  const flag = header(ctx, 'Sforce-Auto-Assign')?.trim().toUpperCase();
  if (flag === 'FALSE') return;
  const queue = state.store.model.queueIds[0];
  const table = state.store.table('Lead');
  const handle = table?.handleOf(id);
  if (!queue || !table || handle === undefined) return;
  if (table.row(handle)?.['OwnerId'] !== queue) state.store.applyUpdate(table, handle, { OwnerId: queue });
}

/** POST /composite/sobjects/<Object>: retrieve many by id (what jsforce's retrieve([...]) sends). */
export function compositeRetrieve(state: SandboxState, ctx: RequestContext, name: string): Reply {
  const t = tableOr404(state, name);
  const body = parseJsonBody(ctx) as { ids?: unknown; fields?: unknown };
  if (!Array.isArray(body.ids) || !Array.isArray(body.fields))
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'ids and fields are required');
  const visible = state.store.visibleFields(t);
  const columns = body.fields.map((w) => {
    const f = visible.find((v) => v.name.toLowerCase() === String(w).toLowerCase());
    if (!f)
      throw new ApiError(400, 'INVALID_FIELD', `No such column '${String(w)}' on sobject of type ${t.name}`);
    return f;
  });
  return json(
    body.ids.map((id) => {
      const row = typeof id === 'string' && normalizeId(id) ? t.get(id) : undefined;
      return row && row['IsDeleted'] !== true ? projectRecord(row, t.name, columns, ctx.base) : null;
    }),
  );
}

/** GET /limits: the org's allowances; DailyApiRequests reflects the requests counted so far. */
export function limits(state: SandboxState): Reply {
  const max = state.limits.max;
  const used = state.limits.used();
  const allowance = (Max: number, Remaining = Max) => ({ Max, Remaining });
  return json({
    DailyApiRequests: allowance(max, Math.max(0, max - used)),
    DailyAsyncApexExecutions: allowance(250_000),
    DailyBulkApiBatches: allowance(15_000),
    DailyBulkV2QueryJobs: allowance(10_000),
    DailyBulkV2QueryFileStorageMB: allowance(976_562),
    ConcurrentAsyncGetReportInstances: allowance(200),
    DataStorageMB: allowance(5_120, 4_800),
    FileStorageMB: allowance(20_480, 20_000),
    HourlyPublishedPlatformEvents: allowance(50_000),
    SingleEmail: allowance(5_000),
  });
}
