import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnectorFactory } from '../../src/app/connector-factory.js';
import { runSync } from '../../src/app/run-sync.js';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { createOperationsRoutes } from '../../src/observability/operations-routes.js';
import { createHubspotHarness, type HubspotHarness } from '../connectors/hubspot/harness.js';

/**
 * /metrics after one real sync against the HubSpot sandbox, read back through a Prometheus text
 * parser. Every expected number comes from an independent source: records pulled from the
 * sandbox's own data (its live deals, contacts, owners, pipelines), requests and 429s from the
 * sandbox's request log, jobs from the four stages of a run without push (pull, route, compute).
 */
let h: HubspotHarness;
beforeAll(async () => {
  // rateLimit makes the sandbox send HubSpot's rate-limit headers (the budget gauge reads them).
  h = await createHubspotHarness('ometrics_endpoint', { seed: 11, deals: 250, contacts: 60, rateLimit: 190 });
});
afterAll(async () => {
  await h?.close();
});

type Families = ReturnType<typeof parsePrometheusTextFormat>;
function sample(families: Families, name: string, labels: Record<string, string>): number | undefined {
  const family = families.find((f) => f.name === name);
  const found = family?.metrics.find((m) =>
    Object.entries(labels).every(([key, value]) => m.labels?.[key] === value),
  );
  return found === undefined ? undefined : Number(found.value ?? found.count);
}

it('counts the run: records pulled = the sandbox data, requests and 429s = the sandbox request log, one succeeded job per stage', async () => {
  let now = new Date();
  const routes = createOperationsRoutes({ db: h.database.db, redis: h.redis, now: () => now });
  const env = {
    ...h.factoryEnv(),
    connectorFor: createConnectorFactory({
      redis: h.redis,
      queuePrefix: h.prefix,
      connections: h.connections,
      logger: h.logger,
      metrics: routes.metrics,
    }),
    metrics: routes.metrics,
  };
  const connection = await h.addConnection('metered', { tier: 'professional' });
  const summary = await runSync(env, connection, { push: false });
  expect(summary.error).toBeNull();

  const server = await startMetricsServer(routes, 0, '127.0.0.1');
  try {
    // Scraped 90 s after the run ended (the injected clock): the age gauge reads sync_runs.
    const finished = await h.database.db
      .selectFrom('sync_runs')
      .select('finished_at')
      .where('id', '=', summary.runId)
      .executeTakeFirstOrThrow();
    now = new Date(new Date(finished.finished_at as Date).getTime() + 90_000);
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const families = parsePrometheusTextFormat(text);
    const c = { connection: 'metered' };

    const liveDeals = [...h.sandbox.data.deals()].length;
    const liveContacts = [...h.sandbox.data.contacts()].length;
    expect(sample(families, 'salesops_records_pulled_total', { ...c, object: 'deals' })).toBe(liveDeals);
    expect(sample(families, 'salesops_records_pulled_total', { ...c, object: 'leads' })).toBe(liveContacts);
    expect(sample(families, 'salesops_records_pulled_total', { ...c, object: 'pipelines' })).toBe(
      h.sandbox.data.pipelines.length,
    );
    // The run's own counts agree with the sandbox.
    expect(summary.pulled.deals).toBe(liveDeals);

    const log = h.sandbox.requests;
    expect(sample(families, 'salesops_crm_requests_total', c)).toBe(log.length);
    expect(sample(families, 'salesops_crm_rate_limited_total', c)).toBe(
      log.filter((r) => r.status === 429).length,
    );
    const remaining = sample(families, 'salesops_rate_budget_remaining', { ...c, bucket: 'default' });
    expect(remaining).toBeGreaterThanOrEqual(0);
    expect(remaining).toBeLessThanOrEqual(190);

    for (const stage of ['pull', 'route', 'compute']) {
      expect(sample(families, 'salesops_jobs_total', { stage, outcome: 'succeeded' })).toBe(1);
      // The parser keeps no labels on histogram samples: the _count line is read as text.
      expect(text).toContain(`salesops_stage_duration_seconds_count{stage="${stage}"} 1\n`);
    }
    expect(sample(families, 'salesops_jobs_total', { stage: 'push', outcome: 'succeeded' })).toBeUndefined();
    expect(sample(families, 'salesops_last_successful_sync_age_seconds', c)).toBe(90);
  } finally {
    await server.close();
  }
}, 180_000);
