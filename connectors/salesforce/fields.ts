/**
 * `ensureFields`: the SalesOps custom fields on Opportunity and User (or SalesOps_Scorecard__c
 * when the integration user cannot edit users), and the permission set SalesOps_Integration that
 * lets the integration user see and edit them, assigned to it.
 *
 * Everything is read first (permissions, which fields exist through the Tooling API, which ones
 * the user can already edit through describe, what our set grants) and only what is missing is
 * written, so a second run with everything in place makes no mutating call at all.
 *
 * Existence comes from the Tooling API, not describe: describe hides a field the user has no
 * permission for, and creating it again would fail as a duplicate.
 */
import { z } from 'zod';
import type { FieldObject, FieldReport, FieldSpec } from '../connector.js';
import { ConnectorError } from '../connector-error.js';
import type { SalesforceApi } from './api.js';
import { type OrgAccess, type PermissionState, queryAll, type RepObject } from './permissions.js';
import { FIELD_TYPES, METADATA_PER_CALL, PATHS, PERMISSION_SET, SCORECARD } from './spec.js';
import { customFieldName, OBJECT_OF } from './write.js';

type Named = { readonly object: FieldObject; readonly name: string };

/** One field we want, on the object it goes to. */
interface Wanted {
  readonly object: string;
  readonly field: string;
  readonly metadata: Record<string, unknown>;
  /** The spec it comes from; the scorecard's own lookup has none. */
  readonly spec: FieldSpec | null;
}

const toolingRows = <T extends z.ZodTypeAny>(row: T) =>
  z.object({ records: z.array(row), done: z.boolean().optional() });
const customObjectRow = z.object({ Id: z.string(), DeveloperName: z.string() });
const customFieldRow = z.object({ DeveloperName: z.string(), TableEnumOrId: z.string() });
const describeSchema = z.object({
  fields: z.array(z.object({ name: z.string(), updateable: z.boolean().optional() })),
});
const grantRow = z.object({
  Field: z.string(),
  PermissionsRead: z.boolean().nullable().optional(),
  PermissionsEdit: z.boolean().nullable().optional(),
});
const saveResult = z.object({
  fullName: z.string().optional(),
  success: z.union([z.boolean(), z.literal('true'), z.literal('false')]),
  errors: z
    .union([
      z.object({ statusCode: z.string().optional(), message: z.string().optional() }).passthrough(),
      z.array(z.object({ statusCode: z.string().optional(), message: z.string().optional() }).passthrough()),
    ])
    .optional(),
});
const createdSchema = z.object({ id: z.string(), success: z.boolean() });

const devName = (name: string) => name.replace(/__c$/, '');

export const REP_FALLBACK_NOTE =
  'Rep values go to the SalesOps Scorecard object because the integration user cannot edit Users (missing Manage Users).';

function fieldMetadata(object: string, spec: FieldSpec): Record<string, unknown> {
  const { type, ...size } = FIELD_TYPES[spec.type];
  return {
    fullName: `${object}.${customFieldName(spec.name)}`,
    label: spec.label.slice(0, 40),
    // Description is for admins; reps see the inline help next to the field.
    description: spec.description,
    inlineHelpText: spec.description.slice(0, 510),
    type,
    ...size,
  };
}

const lookupMetadata = (): Record<string, unknown> => ({
  fullName: `${SCORECARD.object}.${SCORECARD.userField}`,
  label: SCORECARD.userLabel,
  description: SCORECARD.userDescription,
  inlineHelpText: SCORECARD.userDescription,
  type: 'Lookup',
  referenceTo: 'User',
  relationshipName: SCORECARD.relationshipName,
});

export async function ensureSalesforceFields(
  api: SalesforceApi,
  access: OrgAccess,
  specs: readonly FieldSpec[],
  opts: { readonly dryRun: boolean },
): Promise<FieldReport> {
  const perms = await access.permissions();
  const repObject = access.decide(perms);
  const useScorecard = repObject === SCORECARD.object && specs.some((s) => s.object === 'rep');
  const objectOf = (o: FieldObject): string => (o === 'rep' ? repObject : OBJECT_OF[o]);

  const wanted: Wanted[] = specs.map((spec) => ({
    object: objectOf(spec.object),
    field: customFieldName(spec.name),
    metadata: fieldMetadata(objectOf(spec.object), spec),
    spec,
  }));
  if (useScorecard)
    wanted.unshift({
      object: SCORECARD.object,
      field: SCORECARD.userField,
      metadata: lookupMetadata(),
      spec: null,
    });

  // Reads: the scorecard object, existing fields, what the user can edit, what our set grants.
  const scorecardId = useScorecard ? await findScorecard(api) : null;
  const objects = [...new Set(wanted.map((w) => w.object))];
  const present = await existingFields(api, wanted, scorecardId);
  const editable = new Set<string>();
  for (const object of objects) {
    if (object === SCORECARD.object && scorecardId === null) continue;
    const d = await api.request('GET', PATHS.describe(object), describeSchema);
    for (const f of d.fields) if (f.updateable) editable.add(`${object}.${f.name}`.toLowerCase());
  }
  const grants = perms.set ? await grantsOf(api, perms.set.id) : new Map<string, GrantFlags>();

  const key = (w: Wanted) => `${w.object}.${w.field}`.toLowerCase();
  const missing = wanted.filter((w) => !present.has(key(w)));
  const created: Named[] = [];
  const existing: Named[] = [];
  const failed: (Named & { reason: string })[] = [];
  const notes: string[] = [];
  const named = (w: Wanted): Named | null => (w.spec ? { object: w.spec.object, name: w.spec.name } : null);
  const push = (list: Named[], w: Wanted) => {
    const n = named(w);
    if (n) list.push(n);
  };
  for (const w of wanted) if (present.has(key(w))) push(existing, w);
  if (useScorecard) notes.push(REP_FALLBACK_NOTE);

  if (opts.dryRun) {
    for (const w of missing) push(created, w);
    if (useScorecard && scorecardId === null)
      notes.push(`Dry run: the ${SCORECARD.object} object would be created.`);
    if (
      missing.length > 0 ||
      needsGrant(wanted, editable, grants, perms, new Set(missing.map(key))).length > 0
    )
      notes.push(
        'Dry run: the listed fields would be created and granted to the integration user; nothing was changed.',
      );
    return { created, existing, failed, notes, calls: 0 };
  }

  let calls = 0;
  const failedKeys = new Set<string>();
  const fail = (w: Wanted, reason: string) => {
    failedKeys.add(key(w));
    const n = named(w);
    if (n) failed.push({ ...n, reason });
  };

  if (useScorecard && scorecardId === null) {
    calls++;
    const [r] = await metadataSave(api, 'create', 'CustomObject', [
      {
        fullName: SCORECARD.object,
        label: SCORECARD.label,
        pluralLabel: SCORECARD.pluralLabel,
        description:
          'SalesOps numbers for each rep, kept here because the integration user cannot edit Users.',
        nameField: { type: 'Text', label: 'Name' },
        deploymentStatus: 'Deployed',
        sharingModel: 'ReadWrite',
      },
    ]);
    if (r && !r.ok && !r.duplicate) {
      const reason = `The ${SCORECARD.object} object could not be created (${r.reason}); create it in Setup or give the integration user Manage Users.`;
      for (const w of wanted) if (w.object === SCORECARD.object) fail(w, reason);
    } else {
      notes.push(`Created the ${SCORECARD.object} object.`);
    }
  }

  const toCreate = missing.filter((w) => !failedKeys.has(key(w)));
  for (let i = 0; i < toCreate.length; i += METADATA_PER_CALL) {
    const part = toCreate.slice(i, i + METADATA_PER_CALL);
    calls++;
    const results = await metadataSave(
      api,
      'create',
      'CustomField',
      part.map((w) => w.metadata),
    );
    part.forEach((w, j) => {
      const r = results[j];
      if (r?.ok) push(created, w);
      // Another run created it meanwhile: it exists, which is all we wanted.
      else if (r?.duplicate) push(existing, w);
      else fail(w, `Salesforce refused the field: ${r?.reason ?? 'no result'}`);
    });
  }

  // Grants: every field we just created, and any existing one the user cannot edit yet.
  const justCreated = new Set(toCreate.filter((w) => !failedKeys.has(key(w))).map(key));
  const toGrant = needsGrant(
    wanted.filter((w) => !failedKeys.has(key(w))),
    editable,
    grants,
    perms,
    justCreated,
  );
  const needSet = toGrant.length > 0 || (perms.set !== null && !perms.set.assigned && justCreated.size > 0);
  if (needSet && (perms.set === null || toGrant.some((w) => !isGranted(grants, key(w))))) {
    calls++;
    const all = new Map(grants);
    for (const w of toGrant) all.set(key(w), { field: `${w.object}.${w.field}`, read: true, edit: true });
    const [r] = await metadataSave(api, 'upsert', 'PermissionSet', [
      {
        fullName: PERMISSION_SET.fullName,
        label: PERMISSION_SET.label,
        description: PERMISSION_SET.description,
        fieldPermissions: [...all.values()].map((g) => ({
          field: g.field,
          readable: g.read,
          editable: g.edit,
        })),
        // Salesforce also needs object access to the custom object (the sandbox does not model it).
        ...(useScorecard && {
          objectPermissions: [
            {
              object: SCORECARD.object,
              allowCreate: true,
              allowRead: true,
              allowEdit: true,
              allowDelete: false,
              viewAllRecords: false,
              modifyAllRecords: false,
            },
          ],
        }),
      },
    ]);
    if (r && !r.ok) {
      const reason = `The permission set ${PERMISSION_SET.fullName} could not be saved (${r.reason}); grant the integration user edit access to this field in Setup.`;
      for (const w of toGrant) fail(w, reason);
    } else {
      notes.push(
        `Granted the integration user read and edit access to ${toGrant.length} field(s) through the permission set ${PERMISSION_SET.fullName}.`,
      );
    }
  }
  if (needSet && !perms.set?.assigned) {
    const setId = perms.set?.id ?? (await access.permissions()).set?.id;
    if (!setId) {
      throw new ConnectorError(
        'invalid_request',
        `Salesforce did not keep the permission set ${PERMISSION_SET.fullName}; assign it to the integration user in Setup.`,
      );
    }
    calls++;
    await api.request('POST', PATHS.sobject('PermissionSetAssignment'), createdSchema, {
      PermissionSetId: setId,
      AssigneeId: perms.userId,
    });
    notes.push(`Assigned the permission set ${PERMISSION_SET.fullName} to the integration user.`);
  }
  return { created, existing: dedupe(existing), failed, notes, calls };
}

interface GrantFlags {
  readonly field: string;
  readonly read: boolean;
  readonly edit: boolean;
}

const isGranted = (grants: ReadonlyMap<string, GrantFlags>, k: string) => grants.get(k)?.edit === true;

/** Fields the user cannot edit now: just created, or existing but not editable per describe. */
function needsGrant(
  wanted: readonly Wanted[],
  editable: ReadonlySet<string>,
  grants: ReadonlyMap<string, GrantFlags>,
  perms: PermissionState,
  justCreated: ReadonlySet<string>,
): Wanted[] {
  return wanted.filter((w) => {
    const k = `${w.object}.${w.field}`.toLowerCase();
    if (justCreated.has(k)) return true;
    if (editable.has(k)) return false;
    // Granted by our set but the set is not assigned yet: still needed (the assignment fixes it).
    return !isGranted(grants, k) || !perms.set?.assigned;
  });
}

const dedupe = (list: readonly Named[]) => {
  const seen = new Set<string>();
  return list.filter((n) => {
    const k = `${n.object}:${n.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

async function findScorecard(api: SalesforceApi): Promise<string | null> {
  const rows = await api.request(
    'GET',
    PATHS.toolingQuery(
      `SELECT Id, DeveloperName FROM CustomObject WHERE DeveloperName = '${devName(SCORECARD.object)}'`,
    ),
    toolingRows(customObjectRow),
  );
  return rows.records[0]?.Id ?? null;
}

/**
 * Existing custom fields of the wanted objects, as `object.field` in lower case. TableEnumOrId is
 * the object's name for standard objects and the CustomObject id for custom ones.
 */
async function existingFields(
  api: SalesforceApi,
  wanted: readonly Wanted[],
  scorecardId: string | null,
): Promise<Set<string>> {
  const tableOf = new Map<string, string>();
  for (const w of wanted) tableOf.set(w.object.toLowerCase(), w.object);
  if (scorecardId) tableOf.set(scorecardId.toLowerCase(), SCORECARD.object);
  const names = [...new Set(wanted.map((w) => `'${devName(w.field)}'`))].join(', ');
  const tables = [...new Set([...wanted.map((w) => w.object), ...(scorecardId ? [scorecardId] : [])])]
    .map((t) => `'${t}'`)
    .join(', ');
  const rows = await api.request(
    'GET',
    PATHS.toolingQuery(
      `SELECT DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName IN (${names}) AND TableEnumOrId IN (${tables})`,
    ),
    toolingRows(customFieldRow),
  );
  const out = new Set<string>();
  for (const r of rows.records) {
    const object = tableOf.get(r.TableEnumOrId.toLowerCase());
    if (object) out.add(`${object}.${r.DeveloperName}__c`.toLowerCase());
  }
  return out;
}

async function grantsOf(api: SalesforceApi, setId: string): Promise<Map<string, GrantFlags>> {
  const rows = await queryAll(
    api,
    `SELECT Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ParentId = '${setId}'`,
    grantRow,
  );
  return new Map(
    rows.map((r) => [
      r.Field.toLowerCase(),
      { field: r.Field, read: r.PermissionsRead === true, edit: r.PermissionsEdit === true },
    ]),
  );
}

interface SaveOutcome {
  readonly ok: boolean;
  readonly duplicate: boolean;
  readonly reason: string;
}

/** Metadata API create/upsert through jsforce's SOAP client; one outcome per component, in order. */
async function metadataSave(
  api: SalesforceApi,
  verb: 'create' | 'upsert',
  type: 'CustomField' | 'CustomObject' | 'PermissionSet',
  components: readonly Record<string, unknown>[],
): Promise<SaveOutcome[]> {
  const raw: unknown = await api.call((conn) =>
    verb === 'create'
      ? conn.metadata.create(type, components as never)
      : conn.metadata.upsert(type, components as never),
  );
  const parsed = z.array(saveResult).safeParse(Array.isArray(raw) ? raw : [raw]);
  if (!parsed.success) {
    throw new ConnectorError(
      'transient',
      `Salesforce answered a Metadata API ${verb} with an unexpected shape; the job retries.`,
    );
  }
  return parsed.data.map((r) => {
    const errors = r.errors === undefined ? [] : Array.isArray(r.errors) ? r.errors : [r.errors];
    const e = errors[0];
    return {
      ok: r.success === true || r.success === 'true',
      duplicate: e?.statusCode === 'DUPLICATE_DEVELOPER_NAME',
      reason: e ? `${e.statusCode ?? 'ERROR'}: ${e.message ?? ''}`.trim() : '',
    };
  });
}

export type { RepObject };
