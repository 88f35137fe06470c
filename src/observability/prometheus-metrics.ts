import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SyncMetrics } from './sync-metrics.js';

/**
 * The process's Prometheus registry (one per process: a worker, later `serve`). Names follow
 * the Prometheus conventions: counters end in `_total`, durations and ages are in seconds.
 */
export interface LastSuccessfulSync {
  readonly connection: string;
  readonly finishedAt: Date;
}

export interface PrometheusMetricsOptions {
  /** Read at scrape time, so the age is as old as the warehouse says, not as the last event. */
  readonly lastSuccessfulSyncs: () => Promise<readonly LastSuccessfulSync[]>;
  readonly now?: () => Date;
}

export interface PrometheusMetrics {
  readonly registry: Registry;
  readonly metrics: SyncMetrics;
  renderMetrics(): Promise<{ readonly contentType: string; readonly body: string }>;
}

// Stage durations run from milliseconds (a skipped compute) to many minutes (a first pull).
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const registry = new Registry();
  const now = options.now ?? (() => new Date());
  const jobs = new Counter({
    name: 'salesops_jobs_total',
    help: 'Stage jobs finished, by stage and outcome (succeeded, waited, deferred, failed, retried).',
    labelNames: ['stage', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'salesops_stage_duration_seconds',
    help: 'How long each stage job ran, whatever its outcome.',
    labelNames: ['stage'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'salesops_crm_requests_total',
    help: 'HTTP requests sent to the CRM, by connection.',
    labelNames: ['connection'],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'salesops_crm_rate_limited_total',
    help: 'CRM requests answered 429 (rate limited), by connection.',
    labelNames: ['connection'],
    registers: [registry],
  });
  const budget = new Gauge({
    name: 'salesops_rate_budget_remaining',
    help: "Requests left in the CRM's current window, as its last response headers said.",
    labelNames: ['connection', 'bucket'],
    registers: [registry],
  });
  const pulled = new Counter({
    name: 'salesops_records_pulled_total',
    help: 'Records saved from the CRM, by connection and object (owners, pipelines, deals, leads).',
    labelNames: ['connection', 'object'],
    registers: [registry],
  });
  const pushed = new Counter({
    name: 'salesops_records_pushed_total',
    help: 'Records written back to the CRM, by connection.',
    labelNames: ['connection'],
    registers: [registry],
  });
  new Gauge({
    name: 'salesops_last_successful_sync_age_seconds',
    help: 'Seconds since the last run that ended succeeded or partial, by connection.',
    labelNames: ['connection'],
    registers: [registry],
    async collect() {
      this.reset();
      const at = now().getTime();
      for (const row of await options.lastSuccessfulSyncs()) {
        this.set({ connection: row.connection }, Math.max(0, (at - row.finishedAt.getTime()) / 1000));
      }
    },
  });
  return {
    registry,
    metrics: {
      stageDone(stage, outcome, seconds) {
        jobs.inc({ stage, outcome });
        duration.observe({ stage }, seconds);
      },
      crmRequest(connection, limited) {
        requests.inc({ connection });
        // Touched at zero too, so a dashboard's rate() sees the series before the first 429.
        rateLimited.inc({ connection }, limited ? 1 : 0);
      },
      budgetRemaining(connection, bucket, remaining) {
        budget.set({ connection, bucket }, remaining);
      },
      recordsPulled(connection, object, count) {
        if (count > 0) pulled.inc({ connection, object }, count);
      },
      recordsPushed(connection, count) {
        if (count > 0) pushed.inc({ connection }, count);
      },
    },
    async renderMetrics() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
