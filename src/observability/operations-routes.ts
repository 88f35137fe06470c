import type { Db } from '../db.js';
import { lastSuccessfulSyncs, pingWarehouse } from '../warehouse/operations-reads.js';
import { checkHealth, DEFAULT_HEALTH_TIMEOUT_MS, type HealthResult } from './health-check.js';
import { createPrometheusMetrics } from './prometheus-metrics.js';
import type { SyncMetrics } from './sync-metrics.js';

/**
 * The process's /metrics and /healthz over the warehouse and Redis it already holds: what
 * `worker --metrics-port` serves and what `serve` mounts.
 */
export interface OperationsRoutes {
  /** Hand this to the worker and the connector factory: what they count shows in /metrics. */
  readonly metrics: SyncMetrics;
  renderMetrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  checkHealth(): Promise<HealthResult>;
}

export interface OperationsRoutesOptions {
  readonly db: Db;
  readonly redis: { ping(): Promise<unknown> };
  readonly healthTimeoutMs?: number;
  readonly now?: () => Date;
}

export function createOperationsRoutes(options: OperationsRoutesOptions): OperationsRoutes {
  const prometheus = createPrometheusMetrics({
    lastSuccessfulSyncs: () => lastSuccessfulSyncs(options.db),
    ...(options.now && { now: options.now }),
  });
  return {
    metrics: prometheus.metrics,
    renderMetrics: () => prometheus.renderMetrics(),
    checkHealth: () =>
      checkHealth(
        { postgres: () => pingWarehouse(options.db), redis: () => options.redis.ping() },
        options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      ),
  };
}
