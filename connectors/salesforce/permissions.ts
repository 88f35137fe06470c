/**
 * What the integration user may do, read without writing anything: who it is (the identity URL
 * on the version root), which permission sets it holds (a profile is a permission set with
 * IsOwnedByProfile, so its Manage Users shows up here too) and whether our own set exists.
 *
 * Rep values go to User when a held set grants Manage Users, else to SalesOps_Scorecard__c. The
 * decision is cached per connector (one run); a real User write refused with
 * INSUFFICIENT_ACCESS_OR_READONLY overrides it for the rest of the run.
 */
import { z } from 'zod';
import { ConnectorError } from '../connector-error.js';
import type { SalesforceApi } from './api.js';
import { PATHS, PERMISSION_SET, SCORECARD } from './spec.js';

export type RepObject = 'User' | typeof SCORECARD.object;

export interface PermissionState {
  readonly userId: string;
  readonly manageUsers: boolean;
  /** Our permission set, when it exists. */
  readonly set: { readonly id: string; readonly assigned: boolean } | null;
}

export interface OrgAccess {
  /** A fresh read (ensureFields must see the org as it is now). */
  permissions(): Promise<PermissionState>;
  /** Where rep values go; read once, then cached. */
  repObject(): Promise<RepObject>;
  /** Caches the decision a fresh read implies and returns it. */
  decide(state: PermissionState): RepObject;
  /** A User write was refused for lack of access: use the scorecard from now on. */
  refused(): void;
}

const SF_ID = /^[A-Za-z0-9]{15,18}$/;
const rootSchema = z.object({ identity: z.string() });
const assignmentSchema = z.object({ PermissionSetId: z.string() });
const setSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  PermissionsManageUsers: z.boolean().nullable().optional(),
});

export const quoteIds = (ids: Iterable<string>) =>
  [...ids]
    .filter((id) => SF_ID.test(id))
    .map((id) => `'${id}'`)
    .join(', ');

export async function queryAll<T>(api: SalesforceApi, soql: string, schema: z.ZodType<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of api.pages(soql)) {
    const parsed = z.array(schema).safeParse(page.records);
    if (!parsed.success) {
      throw new ConnectorError(
        'transient',
        'Salesforce answered a permission query with an unexpected shape; the job retries.',
      );
    }
    out.push(...parsed.data);
  }
  return out;
}

export function createOrgAccess(api: SalesforceApi): OrgAccess {
  let userId: Promise<string> | null = null;
  let decision: Promise<RepObject> | null = null;
  let refusedByCrm = false;

  const me = () => {
    userId ??= api.request('GET', PATHS.versionRoot, rootSchema).then(({ identity }) => {
      const id = identity.split('/').filter(Boolean).at(-1) ?? '';
      if (!SF_ID.test(id)) {
        throw new ConnectorError(
          'invalid_request',
          'Salesforce did not name the integration user; check that the connection uses an API-enabled user.',
        );
      }
      return id;
    });
    userId.catch(() => {
      userId = null;
    });
    return userId;
  };

  const permissions = async (): Promise<PermissionState> => {
    const id = await me();
    const assigned = new Set(
      (
        await queryAll(
          api,
          `SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '${id}'`,
          assignmentSchema,
        )
      ).map((a) => a.PermissionSetId),
    );
    const byName = `Name = '${PERMISSION_SET.fullName}'`;
    // Semi-joins would make this one query; two keep it portable (and the sandbox has none).
    const sets = await queryAll(
      api,
      `SELECT Id, Name, PermissionsManageUsers FROM PermissionSet WHERE ${
        assigned.size > 0 ? `Id IN (${quoteIds(assigned)}) OR ${byName}` : byName
      }`,
      setSchema,
    );
    const ours = sets.find((s) => s.Name === PERMISSION_SET.fullName);
    return {
      userId: id,
      manageUsers: sets.some((s) => assigned.has(s.Id) && s.PermissionsManageUsers === true),
      set: ours ? { id: ours.Id, assigned: assigned.has(ours.Id) } : null,
    };
  };

  const decide = (state: PermissionState): RepObject => {
    const target: RepObject = refusedByCrm || !state.manageUsers ? SCORECARD.object : 'User';
    decision = Promise.resolve(target);
    return target;
  };

  return {
    permissions,
    decide,
    repObject() {
      if (refusedByCrm) return Promise.resolve(SCORECARD.object);
      decision ??= permissions().then(decide);
      decision.catch(() => {
        decision = null;
      });
      return decision;
    },
    refused() {
      refusedByCrm = true;
      decision = Promise.resolve(SCORECARD.object);
    },
  };
}
