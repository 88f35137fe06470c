import { createSign } from 'node:crypto';
import jsforce from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import type { SalesforceSandbox } from '../../../sandboxes/salesforce/index.js';
import { makeJwtCredentials } from '../../connectors/salesforce/jwt-certificate.js';
import { connect, failure, manualClock, start } from './sandbox-fixture.js';

type Rec = Record<string, unknown>;
let sandbox: SalesforceSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const FIELD = 'Opportunity.SalesOps_Win_Probability__c';

/** jsforce types per-record errors with `errorCode`, but Salesforce (and the sandbox) send `statusCode`. */
const outcome = (r: { success: boolean; errors: readonly unknown[] }) =>
  r.success ? 'ok' : (r.errors[0] as { statusCode: string }).statusCode;

describe('collections update through jsforce', () => {
  it('returns one SaveResult per record, in order, with statusCode errors', async () => {
    sandbox = await start();
    const conn = connect(sandbox);
    const [a, b] = sandbox.data.records('Opportunity').filter((r) => r['IsDeleted'] !== true);
    const results = await conn.sobject('Opportunity').update([
      { Id: String(a!['Id']), Amount: 1234.567 },
      { Id: '006000000000000', Amount: 1 },
      { Id: String(b!['Id']), Nope__c: 1 },
    ]);
    expect(results[0]).toEqual({ id: a!['Id'], success: true, errors: [] });
    expect(results[1]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY' }],
    });
    expect(results[2]).toMatchObject({
      success: false,
      errors: [
        { statusCode: 'INVALID_FIELD', message: "No such column 'Nope__c' on sobject of type Opportunity" },
      ],
    });
    // Currency keeps 2 decimals; the write moved SystemModstamp to the org's now.
    const row = sandbox.data.get('Opportunity', String(a!['Id']))!;
    expect(row['Amount']).toBe(1234.57);
    expect(row['SystemModstamp']).toBe(Date.parse('2026-03-15T12:00:00Z'));
    expect(sandbox.requests.filter((r) => r.mutating)).toHaveLength(1);
  });

  it('rolls everything back with allOrNone, fails locked rows on demand and refuses more than 200', async () => {
    sandbox = await start();
    const conn = connect(sandbox);
    const ids = sandbox.data
      .records('Opportunity')
      .filter((r) => r['IsDeleted'] !== true)
      .map((r) => String(r['Id']));
    const rolledBack = await conn.sobject('Opportunity').update(
      [
        { Id: ids[0]!, Amount: 1 },
        { Id: ids[1]!, Bad__c: 2 },
      ],
      { allOrNone: true },
    );
    expect(rolledBack.map(outcome)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'INVALID_FIELD']);
    expect(sandbox.data.get('Opportunity', ids[0]!)!['Amount']).not.toBe(1);
    sandbox.failNextWithLockRow(1);
    const locked = await conn.sobject('Opportunity').update([
      { Id: ids[0]!, Amount: 5 },
      { Id: ids[1]!, Amount: 6 },
    ]);
    expect(locked.map(outcome)).toEqual(['UNABLE_TO_LOCK_ROW', 'ok']);
    const tooMany = Array.from({ length: 201 }, (_, i) => ({ Id: ids[i % ids.length]!, Amount: i }));
    expect((await failure(conn.sobject('Opportunity').update(tooMany))).errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('records stage and owner history when a deal changes', async () => {
    sandbox = await start();
    const conn = connect(sandbox);
    const deal = sandbox.data
      .records('Opportunity')
      .find((r) => r['IsClosed'] === false && r['IsDeleted'] !== true)!;
    const other = sandbox.data
      .records('User')
      .find((u) => u['Title'] === 'Account Executive' && u['Id'] !== deal['OwnerId'])!;
    await conn.sobject('Opportunity').update([{ Id: String(deal['Id']), StageName: 'Closed Won' }]);
    sandbox.reassign('Opportunity', String(deal['Id']), String(other['Id']));
    const stages = await conn.query<Rec>(
      `SELECT StageName FROM OpportunityHistory WHERE OpportunityId = '${String(deal['Id'])}' ORDER BY CreatedDate`,
    );
    expect(stages.records.at(-1)!['StageName']).toBe('Closed Won');
    const owners = await conn.query<Rec>(
      `SELECT DataType, OldValue, NewValue FROM OpportunityFieldHistory WHERE OpportunityId = '${String(deal['Id'])}' AND Field = 'Owner' AND DataType = 'EntityId'`,
    );
    expect(owners.records.at(-1)).toMatchObject({ OldValue: deal['OwnerId'], NewValue: other['Id'] });
    expect(sandbox.data.get('Opportunity', String(deal['Id']))).toMatchObject({
      IsWon: true,
      IsClosed: true,
      Probability: 100,
    });
  });

  it('refuses User updates without Manage Users', async () => {
    sandbox = await start({ manageUsers: false });
    const conn = connect(sandbox);
    const user = sandbox.data.records('User')[3]!;
    const [r] = await conn.sobject('User').update([{ Id: String(user['Id']), Title: 'x' }]);
    expect(r).toMatchObject({ success: false, errors: [{ statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY' }] });
  });
});

describe('custom fields and permission sets', () => {
  it('keeps a Tooling-API field invisible until a permission set grants it (strict mode)', async () => {
    sandbox = await start({ strictFieldPermissions: true });
    const conn = connect(sandbox);
    const created = await conn.tooling.create('CustomField', {
      FullName: FIELD,
      Metadata: { type: 'Percent', label: 'SalesOps Win Probability', precision: 5, scale: 1 },
    });
    expect(created).toMatchObject({ success: true, id: expect.stringMatching(/^00N/) });
    const dup = await failure(
      conn.tooling.create('CustomField', {
        FullName: FIELD,
        Metadata: { type: 'Percent', label: 'x', precision: 5, scale: 1 },
      }),
    );
    expect(dup.errorCode).toBe('DUPLICATE_DEVELOPER_NAME');
    const names = async () => (await conn.describe('Opportunity')).fields.map((f) => f.name);
    expect(await names()).not.toContain('SalesOps_Win_Probability__c');
    expect((await failure(conn.query('SELECT SalesOps_Win_Probability__c FROM Opportunity'))).errorCode).toBe(
      'INVALID_FIELD',
    );

    const set = await conn.sobject('PermissionSet').create({ Name: 'SalesOps_Sync', Label: 'SalesOps Sync' });
    if (!set.success) throw new Error('permission set not created');
    await conn.sobject('FieldPermissions').create({
      ParentId: set.id,
      SobjectType: 'Opportunity',
      Field: FIELD,
      PermissionsRead: true,
      PermissionsEdit: true,
    });
    // Granted but not yet assigned to the integration user: still invisible.
    expect(await names()).not.toContain('SalesOps_Win_Probability__c');
    await conn
      .sobject('PermissionSetAssignment')
      .create({ PermissionSetId: set.id, AssigneeId: sandbox.data.integrationUserId });
    expect(await names()).toContain('SalesOps_Win_Probability__c');

    const deal = sandbox.data.records('Opportunity')[0]!;
    const [w] = await conn
      .sobject('Opportunity')
      .update([{ Id: String(deal['Id']), SalesOps_Win_Probability__c: 85.34 }]);
    expect(w?.success).toBe(true);
    const read = await conn.query<Rec>(
      `SELECT SalesOps_Win_Probability__c FROM Opportunity WHERE Id = '${String(deal['Id'])}'`,
    );
    expect(read.records[0]!['SalesOps_Win_Probability__c']).toBe(85.3);
    expect(sandbox.data.permissionSets().find((p) => p.name === 'SalesOps_Sync')).toMatchObject({
      assignedToIntegrationUser: true,
      fields: [{ field: FIELD, read: true, edit: true }],
    });
  });

  it('creates the scorecard object, its fields and a permission set through the Metadata API (SOAP)', async () => {
    sandbox = await start({ strictFieldPermissions: true });
    const conn = connect(sandbox);
    const obj = await conn.metadata.create('CustomObject', {
      fullName: 'SalesOps_Scorecard__c',
      label: 'SalesOps Scorecard',
      pluralLabel: 'SalesOps Scorecards',
      nameField: { type: 'Text', label: 'Name' },
      deploymentStatus: 'Deployed',
      sharingModel: 'ReadWrite',
    });
    expect(obj).toMatchObject({ fullName: 'SalesOps_Scorecard__c', success: true });
    const fields = await conn.metadata.create('CustomField', [
      {
        fullName: 'SalesOps_Scorecard__c.User__c',
        label: 'User',
        type: 'Lookup',
        referenceTo: 'User',
        relationshipName: 'Scorecards',
      },
      {
        fullName: 'SalesOps_Scorecard__c.Quota_Attainment__c',
        label: 'Quota Attainment',
        type: 'Percent',
        precision: 5,
        scale: 1,
      },
      { fullName: 'SalesOps_Scorecard__c.Bad__c', label: 'Bad', type: 'Number' },
    ]);
    expect(fields.map((f) => f.success)).toEqual([true, true, false]);
    expect(fields[2]!.errors).toMatchObject([{ statusCode: 'FIELD_INTEGRITY_EXCEPTION' }]);
    const perm = await conn.metadata.upsert('PermissionSet', {
      fullName: 'SalesOps_Sync',
      label: 'SalesOps Sync',
      fieldPermissions: [
        { field: 'SalesOps_Scorecard__c.User__c', readable: true, editable: true },
        { field: 'SalesOps_Scorecard__c.Quota_Attainment__c', readable: true, editable: true },
      ],
    });
    expect(perm).toMatchObject({ created: true, success: true });
    const again = await conn.metadata.upsert('PermissionSet', {
      fullName: 'SalesOps_Sync',
      label: 'SalesOps Sync',
    });
    expect(again).toMatchObject({ created: false, success: true });
    const setId = sandbox.data.permissionSets().find((p) => p.name === 'SalesOps_Sync')!.id;
    await conn
      .sobject('PermissionSetAssignment')
      .create({ PermissionSetId: setId, AssigneeId: sandbox.data.integrationUserId });
    const rep = sandbox.data.records('User')[5]!;
    const row = await conn
      .sobject('SalesOps_Scorecard__c')
      .create({ Name: 'Q1', User__c: String(rep['Id']), Quota_Attainment__c: 91.25 });
    expect(row.success).toBe(true);
    const back = await conn.query<Rec>(
      'SELECT Name, User__c, Quota_Attainment__c FROM SalesOps_Scorecard__c',
    );
    expect(back.records[0]).toMatchObject({ Name: 'Q1', User__c: rep['Id'], Quota_Attainment__c: 91.3 });
    expect(
      sandbox.requests.filter((r) => r.path.startsWith('/services/Soap/m/')).every((r) => r.status === 200),
    ).toBe(true);
  });
});

describe('OAuth and sessions', () => {
  it('refreshes an expired session with the refresh token, then carries on', async () => {
    sandbox = await start();
    const conn = new jsforce.Connection({
      oauth2: { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, loginUrl: sandbox.loginUrl },
      instanceUrl: sandbox.instanceUrl,
      accessToken: sandbox.accessToken,
      refreshToken: sandbox.refreshToken,
      version: '62.0',
    });
    let refreshed = '';
    conn.on('refresh', (token: string) => {
      refreshed = token;
    });
    sandbox.expireSessions();
    const org = await conn.query<Rec>('SELECT Id FROM Organization');
    expect(org.totalSize).toBe(1);
    expect(refreshed).not.toBe('');
    expect(refreshed).not.toBe(sandbox.accessToken);
    expect(sandbox.requests.map((r) => `${r.status} ${r.path.split('?')[0]}`)).toEqual([
      '401 /services/data/v62.0/query',
      '200 /services/oauth2/token',
      '200 /services/data/v62.0/query',
    ]);
  });

  it('answers 401 INVALID_SESSION_ID once a token outlives its TTL, and issues client-credentials tokens', async () => {
    const clock = manualClock();
    sandbox = await start({ clock, sessionTtlMs: 60 * 60_000 });
    const conn = connect(sandbox);
    await conn.query('SELECT Id FROM Organization');
    clock.advance(60 * 60_000);
    const e = await failure(conn.query('SELECT Id FROM Organization'));
    expect(e.errorCode).toBe('INVALID_SESSION_ID');
    expect(e.message).toBe('Session expired or invalid');

    const fresh = new jsforce.Connection({
      oauth2: { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, loginUrl: sandbox.loginUrl },
      version: '62.0',
    });
    const info = await fresh.authorize({ grant_type: 'client_credentials' });
    expect(info.organizationId).toBe(sandbox.data.orgId);
    expect(fresh.instanceUrl).toBe(sandbox.instanceUrl);
    expect((await fresh.query('SELECT Id FROM Organization')).totalSize).toBe(1);
    const bad = new jsforce.Connection({
      oauth2: { clientId: sandbox.clientId, clientSecret: 'wrong', loginUrl: sandbox.loginUrl },
    });
    expect((await failure(bad.authorize({ grant_type: 'client_credentials' }))).name).toBe('invalid_client');
  });

  it('issues a token for a JWT bearer assertion signed by the registered certificate, and refuses any other', async () => {
    const app = makeJwtCredentials('app');
    const stranger = makeJwtCredentials('stranger');
    const org = await start({ jwtCertificate: app.certificate });
    sandbox = org;
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const sign = (claims: object, key = app.privateKey, alg = 'RS256') => {
      const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
      return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key, 'base64url')}`;
    };
    const exp = Math.floor(Date.now() / 1000) + 180;
    const good = {
      iss: org.clientId,
      sub: 'integration@x.example',
      aud: 'https://login.salesforce.com',
      exp,
    };
    const exchange = async (assertion: string) => {
      const res = await fetch(`${org.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };

    const ok = await exchange(sign(good));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      token_type: 'Bearer',
      instance_url: org.instanceUrl,
      access_token: expect.stringMatching(/^00D.{12}!AQ/),
    });
    expect((await exchange(sign({ ...good, aud: 'https://test.salesforce.com' }))).status).toBe(200);

    // Salesforce's own error descriptions for each refusal.
    const refused = async (assertion: string) => {
      const r = await exchange(assertion);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_grant');
      return r.body.error_description;
    };
    expect(await refused(sign(good, stranger.privateKey))).toBe('invalid assertion');
    const tampered = sign(good).split('.');
    tampered[1] = b64({ ...good, sub: 'someone-else@x.example' });
    expect(await refused(tampered.join('.'))).toBe('invalid assertion');
    expect(await refused(`${sign(good).split('.').slice(0, 2).join('.')}.c2ln`)).toBe('invalid assertion');
    expect(await refused(sign({ ...good, aud: org.loginUrl }))).toBe('audience is invalid');
    expect(await refused(sign({ ...good, aud: undefined }))).toBe('audience is invalid');
    expect(await refused(sign({ ...good, exp: Math.floor(Date.now() / 1000) - 1 }))).toBe(
      'expired authorization code',
    );
    expect(await refused(sign({ ...good, iss: 'someone else' }))).toMatch(/^invalid assertion: iss/);
    expect(await refused(sign(good, app.privateKey, 'HS256'))).toMatch(/^invalid assertion: alg/);
  });

  it('refuses every JWT bearer assertion when the connected app has no certificate', async () => {
    const app = makeJwtCredentials('app');
    const org = await start();
    sandbox = org;
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'RS256' })}.${b64({
      iss: org.clientId,
      sub: 'integration@x.example',
      aud: 'https://login.salesforce.com',
      exp: Math.floor(Date.now() / 1000) + 180,
    })}`;
    const assertion = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(app.privateKey, 'base64url')}`;
    const res = await fetch(`${org.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/no certificate/),
    });
  });
});

describe('injected faults', () => {
  it('fails every request when the fault rate is 1, with 5xx or a dropped connection', async () => {
    sandbox = await start({ faultRate: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      try {
        const res = await fetch(`${sandbox.instanceUrl}/services/data/v62.0/limits`, {
          headers: { Authorization: `Bearer ${sandbox.accessToken}` },
        });
        outcomes.push(String(res.status));
      } catch {
        outcomes.push('dropped');
      }
    }
    expect(outcomes.every((o) => ['500', '503', 'dropped'].includes(o))).toBe(true);
    expect(new Set(outcomes).size).toBeGreaterThan(1);
  });
});
