import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector } from '../../connectors/connector.js';
import { registerConnectorBuilder } from '../../src/app/connector-factory.js';
import { runSync } from '../../src/app/run-sync.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { runCapture } from '../cli/cli-run.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { createMemoryCrm, type MemoryCrmOptions } from '../support/memory-connector.js';
import { createPushDouble, type PushDouble, withPushDouble } from './push-double.js';

/**
 * The push stage inside real runs: BullMQ jobs, the compute stage's outbox step, the §7 JSON.
 * The in-memory CRM serves 100 deals (60 open: stages cycle qualify, propose, commit, won, lost)
 * and 5 owners (u1..u5), and the push double plays the CRM's write side.
 */
const CRM: MemoryCrmOptions = { deals: 100, leads: 20 };
const AS_OF = '2026-02-15';

/** Every deal modified an hour later than the CRM first said: what our own writes cause. */
function touched(base: CrmConnector): CrmConnector {
  return {
    ...base,
    async *deals(since) {
      for await (const page of base.deals(since)) {
        yield {
          ...page,
          records: page.records.map((d) => ({
            ...d,
            lastModifiedAt: new Date(Date.parse(d.lastModifiedAt) + 3_600_000).toISOString(),
          })),
        };
      }
    },
  };
}

describe('push inside a sync', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness('push_sync');
  });
  afterAll(() => h.close());

  const env = (double: PushDouble, wrap: (c: CrmConnector) => CrmConnector = (c) => c) =>
    h.env(async () => withPushDouble(wrap(createMemoryCrm(CRM)), double));

  const warehouseValue = async (connection: Connection, object: 'rep' | 'deal', metric: string) =>
    h.database.db
      .selectFrom('metric_values')
      .select(['record_id', 'value_numeric'])
      .where('connection_id', '=', connection.id)
      .where('object', '=', object)
      .where('metric', '=', metric)
      .execute();

  it('writes every value, then a second sync with the same --as-of makes no mutating call', async () => {
    const connection = await h.connection('loop');
    const double = createPushDouble('hubspot');
    const first = await runSync(env(double), connection, { push: true, asOf: AS_OF });
    expect(first.status).toBe('succeeded');
    expect(first.pushed.calls).toBe(double.mutatingCalls());
    // 60 open deals fit one batch of 100; 5 users one more; fields once.
    expect(double.writeCallsFor('deal')).toBe(1);
    expect(double.writeCallsFor('rep')).toBe(1);
    expect(first.pushed).toMatchObject({ calls: 3, failed: 0, rejected: [] });

    const probabilities = await warehouseValue(connection, 'deal', 'salesops_win_probability');
    expect(probabilities).toHaveLength(60);
    for (const row of probabilities) {
      expect(double.value('deal', row.record_id, 'salesops_win_probability')).toBe(
        Math.round(Number(row.value_numeric) * 10) / 10,
      );
    }
    for (const row of await warehouseValue(connection, 'rep', 'salesops_closed_won')) {
      const userId = `u${row.record_id.slice(1)}`;
      expect(double.value('rep', userId, 'salesops_closed_won')).toBe(Number(row.value_numeric));
    }

    const calls = double.mutatingCalls();
    const second = await runSync(env(double), connection, { push: true, asOf: AS_OF });
    expect(second.status).toBe('succeeded');
    expect(second.pushed).toEqual({ calls: 0, records: 0, failed: 0, rejected: [] });
    expect(double.mutatingCalls()).toBe(calls);

    // Our writes bumped every deal's modified date: the re-read changes rows, not values.
    const reread = await runSync(env(double, touched), connection, { push: true, full: true, asOf: AS_OF });
    expect(reread.pulled.changed).toBeGreaterThanOrEqual(100);
    expect(reread.pushed.calls).toBe(0);
    expect(double.mutatingCalls()).toBe(calls);
  });

  it('a rejected record makes the run partial and names the field and the reason', async () => {
    const connection = await h.connection('partial');
    const double = createPushDouble('hubspot');
    double.reject.set('u2', 'INVALID_PROPERTY_VALUE: users object is read-only for this user');
    const summary = await runSync(env(double), connection, { push: true, asOf: AS_OF });
    expect(summary.status).toBe('partial');
    expect(summary.pushed.failed).toBe(1);
    expect(summary.pushed.rejected.length).toBeGreaterThan(0);
    expect(
      summary.pushed.rejected.every(
        (r) =>
          r.object === 'rep' &&
          r.recordId === 'o2' &&
          r.field.startsWith('salesops_') &&
          r.reason === 'INVALID_PROPERTY_VALUE: users object is read-only for this user',
      ),
    ).toBe(true);
  });

  it('sync --dry-run --json previews values and writes nothing', async () => {
    const connection = await h.connection('dry');
    const double = createPushDouble('hubspot');
    registerConnectorBuilder('hubspot', async () => withPushDouble(createMemoryCrm(CRM), double));
    const cliEnv = {
      DATABASE_URL: h.database.url,
      REDIS_URL,
      SALESOPS_QUEUE_PREFIX: h.prefix,
      LOG_LEVEL: 'silent',
    };
    const result = await runCapture(
      ['sync', connection.name, '--dry-run', '--json', '--as-of', AS_OF],
      cliEnv,
    );
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      pushed: { calls: number };
      preview: { object: string; recordId: string; field: string; from: unknown; to: unknown }[];
    };
    expect(doc.pushed.calls).toBe(0);
    expect(double.writeCalls).toHaveLength(0);
    expect(double.ensureCalls.every((c) => c.dryRun)).toBe(true);
    // 60 open deals × 3 fields: this CRM has no quotas, so the owner's attainment is null, and a
    // null never written before is not worth a call.
    expect(doc.preview.filter((p) => p.object === 'deal')).toHaveLength(180);
    expect(doc.preview.some((p) => p.field === 'salesops_owner_attainment')).toBe(false);
    expect(doc.preview.every((p) => p.from === null)).toBe(true);
    expect(doc.preview).toContainEqual(
      expect.objectContaining({ object: 'deal', field: 'salesops_stage_entered_at', from: null }),
    );

    const text = await runCapture(['sync', connection.name, '--dry-run', '--as-of', AS_OF], cliEnv);
    expect(text.stdout).toMatch(/Dry run: \d+ value\(s\) would be written/);
    expect(double.writeCalls).toHaveLength(0);
  });
});
