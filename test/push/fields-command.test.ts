import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConnectorBuilder } from '../../src/app/connector-factory.js';
import { runCapture } from '../cli/cli-run.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { createMemoryCrm } from '../support/memory-connector.js';
import { createPushDouble, withPushDouble } from './push-double.js';

describe('salesops fields', () => {
  let h: EngineHarness;
  let env: NodeJS.ProcessEnv;
  const double = createPushDouble('hubspot');
  beforeAll(async () => {
    h = await createEngineHarness('fields_cli');
    env = { DATABASE_URL: h.database.url, REDIS_URL, SALESOPS_QUEUE_PREFIX: h.prefix, LOG_LEVEL: 'silent' };
    registerConnectorBuilder('hubspot', async () => withPushDouble(createMemoryCrm({ deals: 0 }), double));
    await h.connection('acme');
  });
  afterAll(() => h.close());

  it('ensure: a dry run creates nothing, the real run creates the 10 fields once, then finds them', async () => {
    const dry = await runCapture(['fields', 'ensure', '--connection', 'acme', '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, calls: 0, failed: [] });
    expect(JSON.parse(dry.stdout).created).toHaveLength(10);
    expect(double.fields.size).toBe(0);

    const real = await runCapture(['fields', 'ensure', '--connection', 'acme', '--json'], env);
    expect(JSON.parse(real.stdout)).toMatchObject({ dryRun: false, calls: 1 });
    expect(JSON.parse(real.stdout).created).toContainEqual({
      object: 'rep',
      name: 'salesops_quota_attainment',
    });
    expect(double.fields.size).toBe(10);

    const again = await runCapture(['fields', 'ensure', '--connection', 'acme'], env);
    expect(again.stdout).toMatch(/Created: none/);
    expect(again.stdout).toMatch(/0 mutating call\(s\) made/);
    // Provisioning was recorded: the push will not call ensureFields before its first write.
    const state = await h.database.db.selectFrom('push_connections').select('fields_hash').executeTakeFirst();
    expect(state?.fields_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('map and list: rename a field, switch one off, then back to the default', async () => {
    expect(
      (await runCapture(['fields', 'map', 'salesops_win_rate', '--off', '--connection', 'acme'], env)).code,
    ).toBe(0);
    await runCapture(['fields', 'map', 'salesops_quota', 'salesops_quota_q', '--connection', 'acme'], env);
    const listed = JSON.parse(
      (await runCapture(['fields', 'list', '--connection', 'acme', '--json'], env)).stdout,
    ) as {
      fields: { metric: string; field: string | null; enabled: boolean }[];
    };
    expect(listed.fields).toHaveLength(10);
    expect(listed.fields.find((f) => f.metric === 'salesops_win_rate')).toMatchObject({
      field: null,
      enabled: false,
    });
    expect(listed.fields.find((f) => f.metric === 'salesops_quota')).toMatchObject({
      field: 'salesops_quota_q',
    });

    await runCapture(['fields', 'map', 'salesops_quota', '--default', '--connection', 'acme'], env);
    const after = JSON.parse(
      (await runCapture(['fields', 'list', '--connection', 'acme', '--json'], env)).stdout,
    ) as {
      fields: { metric: string; field: string | null }[];
    };
    expect(after.fields.find((f) => f.metric === 'salesops_quota')?.field).toBe('salesops_quota');
  });

  it('refuses an unknown metric or a malformed field name with exit code 2', async () => {
    const unknown = await runCapture(
      ['fields', 'map', 'salesops_nope', '--off', '--connection', 'acme'],
      env,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown metric "salesops_nope"/);
    const bad = await runCapture(
      ['fields', 'map', 'salesops_quota', 'Quota Field', '--connection', 'acme'],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a valid field name/);
  });
});
