import { afterEach, describe, expect, it } from 'vitest';
import type { FieldSpec } from '../../../connectors/connector.js';
import { REP_FALLBACK_NOTE } from '../../../connectors/salesforce/fields.js';
import { createSalesforceConnector } from '../../../connectors/salesforce/index.js';
import {
  type SalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../../sandboxes/salesforce/index.js';
import { DEFAULT_FIELDS } from '../../../src/push/field-specs.js';
import { ORG_NOW } from './harness.js';

/** ensureFields and the User → SalesOps_Scorecard__c fallback, against the sandbox. */

const SPECS: FieldSpec[] = DEFAULT_FIELDS.map((f) => ({
  object: f.object,
  name: f.metric,
  label: f.label,
  description: f.description,
  type: f.type,
}));
const DEAL_FIELDS = SPECS.filter((s) => s.object === 'deal');
const REP_FIELDS = SPECS.filter((s) => s.object === 'rep');

let sandbox: SalesforceSandbox;
afterEach(() => sandbox?.close());

const start = async (options: SalesforceSandboxOptions) => {
  sandbox = await startSalesforceSandbox({ deals: 40, now: ORG_NOW, ...options });
  return sandbox;
};

const connector = () =>
  createSalesforceConnector({
    instanceUrl: sandbox.instanceUrl,
    apiVersion: '62.0',
    deps: {
      fetch: globalThis.fetch,
      clock: { now: () => new Date(), sleep: async () => {} },
      budget: { acquire: async () => {}, observe: async () => {} },
      tokens: {
        load: async () => ({ method: 'access_token', accessToken: sandbox.accessToken }),
        save: async () => {},
      },
    },
  });

const mutating = () => sandbox.requests.filter((r) => r.mutating);
const names = (list: readonly { object: string; name: string }[]) =>
  list.map((n) => `${n.object}:${n.name}`).sort();
const everySpec = names(SPECS);
const openDeals = () =>
  sandbox.data
    .records('Opportunity')
    .filter((r) => r['IsDeleted'] !== true)
    .map((r) => String(r['Id']));
const reps = () =>
  sandbox.data
    .records('User')
    .filter((u) => u['Id'] !== sandbox.data.integrationUserId)
    .map((u) => String(u['Id']));
const describeNames = async (object: string) => {
  const res = await fetch(`${sandbox.instanceUrl}/services/data/v62.0/sobjects/${object}/describe`, {
    headers: { authorization: `Bearer ${sandbox.accessToken}` },
  });
  return ((await res.json()) as { fields: { name: string }[] }).fields.map((f) => f.name);
};

describe('Salesforce ensureFields (strict field permissions)', () => {
  it('creates every field, the permission set and its assignment; a second run makes no mutating call', async () => {
    await start({ strictFieldPermissions: true });
    const report = await connector().ensureFields(SPECS, { dryRun: false });
    expect(report.failed).toEqual([]);
    expect(names(report.created)).toEqual(everySpec);
    expect(report.existing).toEqual([]);
    expect(report.calls).toBe(mutating().length);
    // 10 fields in one Metadata create (10 per call), the permission set, the assignment.
    expect(report.calls).toBe(3);
    expect(report.notes.join(' ')).not.toContain('Scorecard');

    const fields = sandbox.data.customFields();
    expect(fields.find((f) => f.name === 'SalesOps_Win_Probability__c')).toMatchObject({
      object: 'Opportunity',
      type: 'percent',
      label: 'Win probability (model, %)',
    });
    expect(fields.find((f) => f.name === 'SalesOps_Quota__c')).toMatchObject({
      object: 'User',
      type: 'currency',
    });
    expect(fields.find((f) => f.name === 'SalesOps_Stage_Entered_At__c')?.type).toBe('date');
    expect(fields.find((f) => f.name === 'SalesOps_Forecast_Category__c')?.type).toBe('string');
    const set = sandbox.data.permissionSets().find((p) => p.name === 'SalesOps_Integration');
    expect(set?.assignedToIntegrationUser).toBe(true);
    expect(set?.fields).toHaveLength(SPECS.length);
    expect(set?.fields.every((f) => f.read && f.edit)).toBe(true);
    expect(await describeNames('Opportunity')).toContain('SalesOps_Win_Probability__c');
    expect(await describeNames('User')).toContain('SalesOps_Quota_Attainment__c');

    const [deal] = openDeals();
    const [rep] = reps();
    const c = connector();
    expect(await c.write('deal', [{ recordId: deal!, values: { salesops_win_probability: 85.34 } }])).toEqual(
      [{ recordId: deal, ok: true }],
    );
    expect(await c.write('rep', [{ recordId: rep!, values: { salesops_quota_attainment: 91.2 } }])).toEqual([
      { recordId: rep, ok: true },
    ]);
    expect(sandbox.data.get('Opportunity', deal!)?.['SalesOps_Win_Probability__c']).toBe(85.3);
    expect(sandbox.data.get('User', rep!)?.['SalesOps_Quota_Attainment__c']).toBe(91.2);

    sandbox.resetRequests();
    const again = await connector().ensureFields(SPECS, { dryRun: false });
    expect(again).toMatchObject({ created: [], failed: [], calls: 0 });
    expect(names(again.existing)).toEqual(everySpec);
    expect(mutating()).toEqual([]);
  });

  it('dry run: reports what would be created and changes nothing', async () => {
    await start({ strictFieldPermissions: true });
    const report = await connector().ensureFields(SPECS, { dryRun: true });
    expect(names(report.created)).toEqual(everySpec);
    expect(report.calls).toBe(0);
    expect(report.notes.join(' ')).toMatch(/Dry run/);
    expect(mutating()).toEqual([]);
    expect(sandbox.data.customFields()).toEqual([]);
  });

  it('a field deleted after ensure: write says field_missing, ensure recreates and re-grants it, the write lands', async () => {
    await start({ strictFieldPermissions: true });
    await connector().ensureFields(SPECS, { dryRun: false });
    sandbox.deleteCustomField('Opportunity', 'SalesOps_Win_Probability__c');
    const [deal] = openDeals();
    const c = connector();
    const [r] = await c.write('deal', [{ recordId: deal!, values: { salesops_win_probability: 40 } }]);
    expect(r).toMatchObject({ ok: false, code: 'field_missing', field: 'salesops_win_probability' });

    sandbox.resetRequests();
    const report = await c.ensureFields(SPECS, { dryRun: false });
    expect(report.created).toEqual([{ object: 'deal', name: 'salesops_win_probability' }]);
    expect(report.existing).toHaveLength(SPECS.length - 1);
    // The field, then its grant in the (already assigned) permission set.
    expect(report.calls).toBe(2);
    expect(mutating()).toHaveLength(2);
    expect(await c.write('deal', [{ recordId: deal!, values: { salesops_win_probability: 40 } }])).toEqual([
      { recordId: deal, ok: true },
    ]);
    expect(sandbox.data.get('Opportunity', deal!)?.['SalesOps_Win_Probability__c']).toBe(40);
  });

  it('fields made by hand and already editable need no permission set', async () => {
    await start({});
    const first = await connector().ensureFields(DEAL_FIELDS, { dryRun: false });
    expect(first.created).toHaveLength(DEAL_FIELDS.length);
    sandbox.resetRequests();
    const again = await connector().ensureFields(DEAL_FIELDS, { dryRun: false });
    expect(again.calls).toBe(0);
    expect(mutating()).toEqual([]);
  });
});

describe('Salesforce rep fallback (no Manage Users)', () => {
  it('provisions SalesOps_Scorecard__c and writes rep values there, updating the same records', async () => {
    await start({ strictFieldPermissions: true, manageUsers: false });
    const report = await connector().ensureFields(SPECS, { dryRun: false });
    expect(report.failed).toEqual([]);
    expect(names(report.created)).toEqual(everySpec);
    expect(report.notes).toContain(REP_FALLBACK_NOTE);
    const scorecardFields = sandbox.data.customFields('SalesOps_Scorecard__c').map((f) => f.name);
    expect(scorecardFields).toEqual(
      expect.arrayContaining(['SalesOps_User__c', 'SalesOps_Quota_Attainment__c', 'SalesOps_Win_Rate__c']),
    );
    expect(sandbox.data.customFields('User')).toEqual([]);

    const [a, b, c] = reps();
    const conn = connector();
    sandbox.resetRequests();
    const first = await conn.write('rep', [
      { recordId: a!, values: { salesops_quota_attainment: 91.25, salesops_quota: 120000 } },
      { recordId: b!, values: { salesops_quota_attainment: 40 } },
    ]);
    expect(first.map((r) => [r.recordId, r.ok])).toEqual([
      [a, true],
      [b, true],
    ]);
    // No User write was attempted: the permission read decided it.
    expect(mutating().map((r) => r.path.split('?')[0])).toEqual(['/services/data/v62.0/composite/sobjects']);
    const cards = () => sandbox.data.records('SalesOps_Scorecard__c');
    expect(cards()).toHaveLength(2);
    const cardOf = (user: string) => cards().find((r) => r['SalesOps_User__c'] === user);
    expect(cardOf(a!)).toMatchObject({ SalesOps_Quota_Attainment__c: 91.3, SalesOps_Quota__c: 120000 });
    expect(String(cardOf(a!)?.['Name'])).toBe(String(sandbox.data.get('User', a!)?.['Name']));

    sandbox.resetRequests();
    const second = await connector().write('rep', [
      { recordId: a!, values: { salesops_quota_attainment: 95 } },
      { recordId: b!, values: { salesops_quota_attainment: 41.5 } },
    ]);
    expect(second.every((r) => r.ok)).toBe(true);
    expect(cards()).toHaveLength(2);
    expect(cardOf(a!)?.['SalesOps_Quota_Attainment__c']).toBe(95);
    expect(cardOf(b!)?.['SalesOps_Quota_Attainment__c']).toBe(41.5);
    expect(mutating()).toHaveLength(1);

    // A new rep next to known ones: one update and one create.
    const third = await connector().write('rep', [
      { recordId: a!, values: { salesops_quota_attainment: 96 } },
      { recordId: c!, values: { salesops_quota_attainment: 12 } },
    ]);
    expect(third.every((r) => r.ok)).toBe(true);
    expect(cards()).toHaveLength(3);
    expect(sandbox.data.records('User').some((u) => u['SalesOps_Quota_Attainment__c'] !== undefined)).toBe(
      false,
    );

    sandbox.resetRequests();
    const again = await connector().ensureFields(SPECS, { dryRun: false });
    expect(again.calls).toBe(0);
    expect(again.notes).toContain(REP_FALLBACK_NOTE);
    expect(mutating()).toEqual([]);
  });

  it('a User write refused despite the permissions read: rerouted to the scorecard, provisioned on field_missing', async () => {
    await start({ manageUsers: false });
    // A permission set claiming Manage Users that Salesforce does not honour for this user.
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${sandbox.instanceUrl}/services/data/v62.0${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { id: string };
    };
    const set = await api('/sobjects/PermissionSet', {
      Name: 'Claims_Manage_Users',
      Label: 'Claims Manage Users',
      PermissionsManageUsers: true,
    });
    await api('/sobjects/PermissionSetAssignment', {
      PermissionSetId: set.id,
      AssigneeId: sandbox.data.integrationUserId,
    });
    const conn = connector();
    await conn.ensureFields(REP_FIELDS, { dryRun: false });
    expect(sandbox.data.customFields('User').length).toBe(REP_FIELDS.length);
    const [a] = reps();
    const [refused] = await conn.write('rep', [{ recordId: a!, values: { salesops_quota_attainment: 50 } }]);
    // Rerouted to the scorecard, which does not exist yet: the push stage re-ensures on this.
    expect(refused).toMatchObject({ recordId: a, ok: false, code: 'field_missing' });
    const report = await conn.ensureFields(REP_FIELDS, { dryRun: false });
    expect(report.notes).toContain(REP_FALLBACK_NOTE);
    const [r] = await conn.write('rep', [{ recordId: a!, values: { salesops_quota_attainment: 50 } }]);
    expect(r).toMatchObject({ recordId: a, ok: true });
    expect(sandbox.data.records('SalesOps_Scorecard__c')).toMatchObject([
      { SalesOps_User__c: a, SalesOps_Quota_Attainment__c: 50 },
    ]);
  });
});
