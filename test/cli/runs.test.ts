import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector } from '../../connectors/connector.js';
import { ConnectorError } from '../../connectors/connector-error.js';
import { registerConnectorBuilder } from '../../src/app/connector-factory.js';
import { runSync } from '../../src/app/run-sync.js';
import type { Connection } from '../../src/connections/connection-store.js';
import { runDetailDocumentSchema, runsDocumentSchema } from '../../src/reports/runs-document.js';
import { requestRun } from '../../src/warehouse/sync-runs.js';
import { createPushDouble, withPushDouble } from '../push/push-double.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { createMemoryCrm, type MemoryCrmOptions, memoryOwners } from '../support/memory-connector.js';
import { runCapture } from './cli-run.js';

/**
 * `salesops runs`, `runs show`, `runs cancel` (issue 20) against real runs: BullMQ jobs through
 * real Postgres and Redis, the in-memory CRM behind the connector contract and the push double
 * playing the CRM's write side. Expected figures come from the CRM's own definition (its deal
 * list, its page size) or from the sync's own summary, never from the documents under test.
 */
const AS_OF = '2026-02-15';

describe('salesops runs', () => {
  let h: EngineHarness;
  let cli: NodeJS.ProcessEnv;
  /** The connector each connection's syncs get, by connection name. */
  const connectors = new Map<string, () => CrmConnector>();

  beforeAll(async () => {
    h = await createEngineHarness('runs_cli');
    cli = {
      DATABASE_URL: h.database.url,
      REDIS_URL,
      SALESOPS_QUEUE_PREFIX: h.prefix,
      LOG_LEVEL: 'silent',
    };
    registerConnectorBuilder('hubspot', async (connection) => {
      const build = connectors.get(connection.name);
      if (!build) throw new Error(`no connector for ${connection.name}`);
      return build();
    });
  });
  afterAll(() => h.close());

  const env = () => h.env(async (connection) => (connectors.get(connection.name) as () => CrmConnector)());
  const show = async (runId: number) => {
    const result = await runCapture(['runs', 'show', String(runId), '--json'], cli);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return runDetailDocumentSchema.parse(JSON.parse(result.stdout));
  };
  const list = async (...args: string[]) => {
    const result = await runCapture(['runs', ...args, '--json'], cli);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return runsDocumentSchema.parse(JSON.parse(result.stdout));
  };

  describe('a partial run (quarantined deals, a rep the CRM rejects), a deferred one, a failed one', () => {
    // 100 deals in pages of 100, deals 4 and 8 (indexes 3 and 7) malformed, 20 leads.
    const CRM: MemoryCrmOptions = { deals: 100, leads: 20, malformed: [3, 7] };
    const REASON = 'INVALID_PROPERTY_VALUE: users object is read-only for this user';
    const double = createPushDouble('hubspot');
    double.reject.set('u2', REASON);
    let partial: Connection;
    let deferredConnection: Connection;
    let failedConnection: Connection;

    beforeAll(async () => {
      partial = await h.connection('partial');
      connectors.set('partial', () => withPushDouble(createMemoryCrm(CRM), double));
      // The CRM's allowance is spent when the second page of deals (50 each) is asked for.
      deferredConnection = await h.connection('deferred');
      connectors.set('deferred', () => createMemoryCrm({ deals: 120, pageSize: 50, deferAtPage: 1 }));
      failedConnection = await h.connection('failed');
      connectors.set('failed', () => ({
        ...createMemoryCrm({ deals: 10 }),
        account: () =>
          Promise.reject(
            new ConnectorError('auth', 'HubSpot refused the token (401). Reconnect with a new token.'),
          ),
      }));
    });

    it('runs show: the rejected values with the CRM reason, the written ones as the CRM now shows them, the quarantined records', async () => {
      const summary = await runSync(env(), partial, { push: true, asOf: AS_OF });
      expect(summary.status).toBe('partial');
      const doc = await show(summary.runId);
      expect(doc).toMatchObject({
        runId: summary.runId,
        connection: 'partial',
        status: 'partial',
        trigger: 'cli',
        pulled: summary.pulled,
        quarantined: 2,
        pushed: {
          calls: summary.pushed.calls,
          records: summary.pushed.records,
          failed: summary.pushed.failed,
        },
        options: { full: false, push: true, dryRun: false, asOf: AS_OF },
        error: null,
        cancelRequested: false,
      });
      expect(doc.stages.map((s) => [s.stage, s.status])).toEqual([
        ['pull', 'partial'],
        ['route', 'succeeded'],
        ['compute', 'succeeded'],
        ['push', 'partial'],
      ]);
      for (const stage of doc.stages) expect(stage.durationMs).toBeGreaterThanOrEqual(0);
      // 100 deals served, 2 quarantined: 98 read (the CRM's expectedDeals), as §7 counts them.
      expect(createMemoryCrm(CRM).expectedDeals()).toHaveLength(98);
      expect(doc.stages[0]?.counts).toMatchObject({
        deals: 98,
        quarantined: 2,
        owners: memoryOwners.length,
      });
      expect(doc.durationMs).toBe(summary.durationMs);

      const expectedIds = new Set(
        createMemoryCrm(CRM)
          .expectedDeals()
          .map((d) => d.externalId),
      );
      const malformedIds = Array.from({ length: CRM.deals }, (_, i) => `d${i + 1}`).filter(
        (id) => !expectedIds.has(id),
      );
      expect(malformedIds).toEqual(['d4', 'd8']);
      expect(doc.quarantinedRecords.map((q) => [q.stream, q.externalId])).toEqual([
        ['deals', 'd4'],
        ['deals', 'd8'],
      ]);
      for (const q of doc.quarantinedRecords) expect(q.reason).toMatch(/amount/);

      // The rejections are the sync summary's (push_results read by the push stage's report).
      const rejected = doc.values.filter((v) => v.outcome === 'rejected');
      expect(
        rejected.map((v) => ({ object: v.object, recordId: v.recordId, field: v.field, reason: v.reason })),
      ).toEqual(summary.pushed.rejected);
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected.every((v) => v.recordId === 'o2' && v.reason === REASON)).toBe(true);
      // Every written deal value is what the CRM (the double) now shows; never pushed before: from null.
      const written = doc.values.filter((v) => v.outcome === 'written');
      const dealValues = written.filter((v) => v.object === 'deal');
      expect(dealValues.length).toBeGreaterThan(0);
      for (const v of written) expect(v.from).toBeNull();
      for (const v of dealValues) {
        const shown = double.value('deal', v.recordId, v.field);
        expect(typeof shown === 'number' ? Number(v.to) : v.to).toBe(shown);
      }
    });

    it('runs show after a re-sync with edited deals: every value old → new, old being what the last run wrote', async () => {
      const [before] = await list('--connection', 'partial', '--limit', '1');
      const first = await show(before?.runId as number);
      const edited: MemoryCrmOptions = { ...CRM, version: 1, editedDeals: 100 };
      connectors.set('partial', () => withPushDouble(createMemoryCrm(edited), double));
      // The memory CRM's checkpoint is an index, so only a full read sees the edits.
      const summary = await runSync(env(), partial, { push: true, full: true, asOf: AS_OF });
      const doc = await show(summary.runId);
      const lastWritten = new Map(
        first.values
          .filter((v) => v.outcome === 'written')
          .map((v) => [`${v.object}/${v.recordId}/${v.field}`, v.to]),
      );
      const rewritten = doc.values.filter((v) => v.outcome === 'written');
      expect(rewritten.length).toBeGreaterThan(0);
      for (const v of rewritten) {
        expect(v.from).toBe(lastWritten.get(`${v.object}/${v.recordId}/${v.field}`) ?? null);
        expect(v.to).not.toBe(v.from);
      }
      // Each deal's amount went up by 1 (version 1), so at least one rep money figure moved from a known old value.
      expect(rewritten.some((v) => v.from !== null)).toBe(true);
    });

    it('a deferred run and a failed run: the stage they stopped in, and the error', async () => {
      const deferred = await runSync(env(), deferredConnection, { push: true, asOf: AS_OF });
      expect(deferred.status).toBe('deferred');
      const d = await show(deferred.runId);
      // Page 0 (50 deals) was saved with its checkpoint before the CRM deferred page 1.
      expect(d.stages).toEqual([
        {
          stage: 'pull',
          status: 'deferred',
          durationMs: null,
          counts: expect.objectContaining({ deals: 50 }),
        },
      ]);
      expect(d.error).toBe('Daily API allowance reached (test double).');

      const failed = await runSync(env(), failedConnection, { push: true, asOf: AS_OF });
      expect(failed.status).toBe('failed');
      const f = await show(failed.runId);
      expect(f.stages).toEqual([{ stage: 'pull', status: 'failed', durationMs: null, counts: {} }]);
      expect(f.error).toBe('HubSpot refused the token (401). Reconnect with a new token.');

      const table = await runCapture(['runs', '--connection', 'failed'], cli);
      expect(table.code).toBe(0);
      // The table keeps the error's first sentence only.
      expect(table.stdout).toContain('HubSpot refused the token (401).');
      expect(table.stdout).not.toContain('Reconnect with a new token');
    });

    it('runs --json lists the newest first (zod-checked), --limit cuts, --connection filters, --csv reads back the same', async () => {
      const all = await list();
      expect(all.map((r) => [r.connection, r.status])).toEqual([
        ['failed', 'failed'],
        ['deferred', 'deferred'],
        ['partial', 'partial'],
        ['partial', 'partial'],
      ]);
      expect(all.map((r) => r.runId)).toEqual([...all.map((r) => r.runId)].sort((a, b) => b - a));
      expect(await list('--limit', '2')).toEqual(all.slice(0, 2));
      expect(await list('--connection', 'partial')).toEqual(all.slice(2));

      const csv = await runCapture(['runs', '--csv'], cli);
      expect(csv.code).toBe(0);
      const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
      const text = (v: number | string | null) => (v === null ? '' : String(v));
      expect(rows).toEqual(
        all.map((r) => ({
          runId: text(r.runId),
          connection: r.connection,
          trigger: r.trigger,
          status: r.status,
          startedAt: text(r.startedAt),
          finishedAt: text(r.finishedAt),
          durationMs: text(r.durationMs),
          owners: text(r.pulled.owners),
          pipelines: text(r.pulled.pipelines),
          deals: text(r.pulled.deals),
          leads: text(r.pulled.leads),
          changed: text(r.pulled.changed),
          deleted: text(r.pulled.deleted),
          quarantined: text(r.quarantined),
          pushCalls: text(r.pushed.calls),
          pushed: text(r.pushed.records),
          rejected: text(r.pushed.failed),
          error: text(r.error),
        })),
      );
      expect((await runCapture(['runs', '--json', '--csv'], cli)).code).toBe(2);
      expect((await runCapture(['runs', '--limit', 'ten'], cli)).stderr).toBe(
        'error: --limit expects a whole number from 1 to 10000, such as 50, not "ten".\n',
      );
    });
  });

  describe('runs cancel', () => {
    // 600 deals in pages of 50: 12 pages, so a cancel lands well inside the pull.
    const CRM: MemoryCrmOptions = { deals: 600, pageSize: 50 };
    const GATE_PAGE = 3;

    /** Holds the deals stream before page GATE_PAGE until the test opens the gate. */
    function gated(base: CrmConnector) {
      let reached!: () => void;
      let open!: () => void;
      const atGate = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      const connector: CrmConnector = {
        ...base,
        async *deals(since) {
          let page = 0;
          for await (const p of base.deals(since)) {
            if (page === GATE_PAGE) {
              reached();
              await opened;
            }
            page++;
            yield p;
          }
        },
      };
      return { connector, atGate, open };
    }

    const dealRows = (connectionId: number) =>
      h.database.db
        .selectFrom('deals')
        .select([
          'external_id',
          'name',
          'stage_id',
          'owner_id',
          'amount',
          'close_date',
          'last_modified_at',
          'is_deleted',
        ])
        .where('connection_id', '=', connectionId)
        .orderBy('external_id')
        .execute();
    // The forecast's Monte Carlo P50 is seeded per connection (forecast.ts, forecastSeed), so two
    // connections with the same deals differ there by design; every other value must be equal.
    const metricRows = (connectionId: number) =>
      h.database.db
        .selectFrom('metric_values')
        .select(['object', 'record_id', 'metric', 'period_key', 'value_numeric'])
        .where('connection_id', '=', connectionId)
        .where('metric', '!=', 'salesops_forecast_p50')
        .orderBy('object')
        .orderBy('record_id')
        .orderBy('metric')
        .orderBy('period_key')
        .execute();

    it('stops a running sync between pages; the waiting sync exits 1 saying so; the next sync resumes to the same warehouse as an uninterrupted one', async () => {
      const cancelled = await h.connection('cancelled');
      const gate = gated(createMemoryCrm(CRM));
      connectors.set('cancelled', () => gate.connector);
      const waiting = runCapture(['sync', 'cancelled', '--no-push', '--as-of', AS_OF], cli);
      await gate.atGate;
      const [running] = await list('--connection', 'cancelled');
      expect(running?.status).toBe('running');
      const runId = running?.runId as number;

      const cancel = await runCapture(['runs', 'cancel', String(runId)], cli);
      expect(cancel).toEqual({
        code: 0,
        stdout: `Run ${runId} will stop after the page it is saving and end cancelled; the next sync resumes from there.\n`,
        stderr: '',
      });
      expect((await list('--connection', 'cancelled'))[0]?.cancelRequested).toBe(true);
      gate.open();
      const exited = await waiting;
      expect({ code: exited.code, stdout: exited.stdout, stderr: exited.stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: Run ${runId} was cancelled (salesops runs cancel ${runId}); the next sync resumes from the last page it saved.\n`,
      });

      // Pages 0..3 were saved (the one in flight when the cancel came included): 4 × 50 deals.
      const saved = (GATE_PAGE + 1) * (CRM.pageSize as number);
      expect(saved).toBe(200);
      expect(await dealRows(cancelled.id)).toHaveLength(saved);
      const checkpoint = await h.database.db
        .selectFrom('sync_checkpoints')
        .select('checkpoint')
        .where('connection_id', '=', cancelled.id)
        .where('stream', '=', 'deals')
        .executeTakeFirstOrThrow();
      expect(checkpoint.checkpoint).toEqual({ index: saved });
      const doc = await show(runId);
      expect(doc.status).toBe('cancelled');
      expect(doc.stages).toEqual([
        {
          stage: 'pull',
          status: 'cancelled',
          durationMs: null,
          counts: expect.objectContaining({ deals: saved }),
        },
      ]);

      // Resume: the checkpoint says 200, so the next run reads the other 400.
      connectors.set('cancelled', () => createMemoryCrm(CRM));
      const resumed = await runCapture(['sync', 'cancelled', '--no-push', '--as-of', AS_OF, '--json'], cli);
      expect({ code: resumed.code, stderr: resumed.stderr }).toEqual({ code: 0, stderr: '' });
      expect((JSON.parse(resumed.stdout) as { pulled: { deals: number } }).pulled.deals).toBe(
        CRM.deals - saved,
      );

      const straight = await h.connection('straight');
      connectors.set('straight', () => createMemoryCrm(CRM));
      const uninterrupted = await runSync(env(), straight, { push: false, asOf: AS_OF });
      expect(uninterrupted.status).toBe('succeeded');
      expect(await dealRows(cancelled.id)).toEqual(await dealRows(straight.id));
      const metrics = await metricRows(straight.id);
      expect(metrics.length).toBeGreaterThan(0);
      expect(await metricRows(cancelled.id)).toEqual(metrics);

      const refused = await runCapture(['runs', 'cancel', String(runId)], cli);
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: Run ${runId} already finished (cancelled); only a queued or running run can be cancelled.\n`,
      });
    });

    it('a run no worker has started is cancelled at once and frees the connection; an unknown id is a usage error', async () => {
      const queued = await h.connection('queued');
      const run = await requestRun(h.database.db, queued.id, { push: false }, 'cli');
      const cancel = await runCapture(['runs', 'cancel', String(run.runId), '--json'], cli);
      expect(cancel).toEqual({
        code: 0,
        stdout: `${JSON.stringify({ runId: run.runId, outcome: 'cancelled' }, null, 2)}\n`,
        stderr: '',
      });
      const doc = await show(run.runId);
      expect(doc).toMatchObject({ status: 'cancelled', stages: [], startedAt: null, cancelRequested: true });
      // A new request is a new run: the cancelled one no longer holds the connection.
      const next = await requestRun(h.database.db, queued.id, { push: false }, 'cli');
      expect(next.created).toBe(true);

      expect(await runCapture(['runs', 'cancel', '987654321'], cli)).toEqual({
        code: 2,
        stdout: '',
        stderr: 'error: There is no run 987654321; `salesops runs` lists the runs.\n',
      });
      expect((await runCapture(['runs', 'show', 'twelve'], cli)).stderr).toBe(
        'error: A run id is a whole number such as 12, not "twelve"; `salesops runs` lists them.\n',
      );
    });
  });
});
