import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSpec, FieldWrite } from '../../../connectors/connector.js';
import { createHubspotConnector, type HubspotConnector } from '../../../connectors/hubspot/index.js';
import { type HubspotSandbox, startHubspotSandbox } from '../../../sandboxes/hubspot/index.js';
import { realClock } from './harness.js';

const SPECS: readonly FieldSpec[] = [
  {
    object: 'deal',
    name: 'salesops_win_probability',
    label: 'Win probability',
    description: 'model',
    type: 'percent',
  },
  {
    object: 'deal',
    name: 'salesops_stage_entered_at',
    label: 'Stage entered',
    description: 'date',
    type: 'date',
  },
  { object: 'rep', name: 'salesops_quota', label: 'Quota', description: 'quarter', type: 'currency' },
];

describe('HubSpot push: fields and batch writes against the sandbox', () => {
  let sandbox: HubspotSandbox;
  let connector: HubspotConnector;
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 9, deals: 300, contacts: 10 });
    connector = createHubspotConnector({
      baseUrl: sandbox.baseUrl,
      deps: {
        fetch: globalThis.fetch,
        clock: realClock,
        budget: { acquire: async () => {}, observe: async () => {} },
        tokens: {
          load: async () => ({ method: 'private_app', accessToken: sandbox.accessToken }),
          save: async () => {},
        },
      },
    });
  });
  afterAll(() => sandbox.close());

  const mutating = () => sandbox.requests.filter((r) => r.mutating).length;

  it('a dry run creates nothing; ensureFields creates group and properties once, then is a no-op', async () => {
    const dry = await connector.ensureFields(SPECS, { dryRun: true });
    expect(dry.calls).toBe(0);
    expect(dry.created).toHaveLength(3);
    expect(mutating()).toBe(0);

    const first = await connector.ensureFields(SPECS, { dryRun: false });
    expect(first.failed).toEqual([]);
    expect(first.created.map((f) => f.name).sort()).toEqual(SPECS.map((s) => s.name).sort());
    // One group per object plus three properties.
    expect(first.calls).toBe(5);
    expect(sandbox.data.groups('deals').some((g) => g.name === 'salesops')).toBe(true);
    expect(sandbox.data.properties('users').find((p) => p.name === 'salesops_quota')?.groupName).toBe(
      'salesops',
    );

    sandbox.resetRequests();
    const again = await connector.ensureFields(SPECS, { dryRun: false });
    expect(again).toMatchObject({ calls: 0, created: [] });
    expect(mutating()).toBe(0);
  });

  it('writes 100 deals in one call, resolving a merged id to its survivor and reporting an unknown one', async () => {
    const ids = [...sandbox.data.deals()].map((d) => d.id);
    sandbox.mergeDeals(ids[0]!, ids[1]!);
    const writes: FieldWrite[] = ids.slice(1, 100).map((id, k) => ({
      recordId: id,
      values: { salesops_win_probability: 10 + k / 10, salesops_stage_entered_at: '2026-05-01' },
    }));
    writes.push({
      recordId: '999999999',
      values: { salesops_win_probability: 1, salesops_stage_entered_at: null },
    });
    sandbox.resetRequests();
    const results = await connector.write('deal', writes);
    expect(sandbox.requests.filter((r) => r.mutating)).toHaveLength(1);
    expect(results).toHaveLength(100);
    expect(results[0]).toEqual({ recordId: ids[1], ok: true, resolvedId: ids[0] });
    expect(results.slice(1, 99).every((r) => r.ok && r.resolvedId === undefined)).toBe(true);
    expect(results[99]).toMatchObject({ recordId: '999999999', ok: false });
    expect(sandbox.data.written('deals').get(ids[5]!)).toMatchObject({ salesops_win_probability: '10.4' });
  });

  it('writes rep values to the users object matched by hs_internal_user_id', async () => {
    const owner = sandbox.data.owners.find((o) => o.archivedAt === null)!;
    const results = await connector.write('rep', [
      { recordId: String(owner.userId), values: { salesops_quota: 90000 } },
      { recordId: '424242', values: { salesops_quota: 1 } },
    ]);
    expect(results[0]).toEqual({ recordId: String(owner.userId), ok: true });
    expect(results[1]).toMatchObject({ ok: false, reason: expect.stringMatching(/no user record/) });
    const user = sandbox.data
      .users()
      .find((u) => u.properties['hs_internal_user_id'] === String(owner.userId))!;
    expect(sandbox.data.written('users').get(user.id)).toEqual({ salesops_quota: '90000' });
  });

  it('a property an admin deleted comes back as field_missing for every record, not a thrown error', async () => {
    sandbox.deleteProperty('deals', 'salesops_stage_entered_at');
    const ids = [...sandbox.data.deals()].map((d) => d.id).slice(200, 203);
    const results = await connector.write(
      'deal',
      ids.map((id) => ({ recordId: id, values: { salesops_stage_entered_at: '2026-05-02' } })),
    );
    expect(results.map((r) => [r.ok, r.field, (r as { code?: string }).code])).toEqual(
      ids.map(() => [false, 'salesops_stage_entered_at', 'field_missing']),
    );
  });
});
