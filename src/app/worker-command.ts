import type { Command } from 'commander';
import type { CliContext } from '../cli/cli-context.js';
import { usageError } from '../cli/cli-error.js';
import type { EngineEnv } from '../cli/engine-env.js';
import type { SyncMetrics } from '../observability/sync-metrics.js';
import { createConnectorFactory } from './connector-factory.js';

export function registerWorker(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'run sync workers until SIGTERM (which drains: running jobs finish or are released for retry)',
    )
    .option('--concurrency <n>', 'jobs at once (default SALESOPS_WORKER_CONCURRENCY)', (value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 64)
        throw usageError(`--concurrency expects a whole number 1-64, not "${value}".`);
      return n;
    })
    .option(
      '--metrics-port <port>',
      'serve /metrics (Prometheus) and /healthz on this port (off by default)',
      (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 65535)
          throw usageError(`--metrics-port expects a port number 1-65535, not "${value}".`);
        return n;
      },
    )
    .action(async (o: { concurrency?: number; metricsPort?: number }) => {
      // The worker entry point: BullMQ and the stages load only when a worker runs.
      const [{ default: closeWithGrace }, { startSyncWorker }] = await Promise.all([
        import('close-with-grace'),
        import('../../workers/sync-worker.js'),
      ]);
      const engine = await ctx.engine();
      const config = ctx.config();
      const operations = o.metricsPort === undefined ? null : await serveOperations(engine, o.metricsPort);
      const starting = startSyncWorker({
        ...engine,
        concurrency: o.concurrency ?? config.workerConcurrency,
        ...(operations && {
          metrics: operations.metrics,
          // The same factory, counting what its connectors send.
          connectorFor: createConnectorFactory({
            redis: engine.redis,
            queuePrefix: engine.prefix,
            connections: engine.connections,
            logger: engine.logger,
            metrics: operations.metrics,
          }),
        }),
      });
      await new Promise<void>((resolve) => {
        // Installed before the worker starts, so a SIGTERM that arrives during start-up drains too.
        // close-with-grace: the first signal drains within the grace period; a second exits at once.
        closeWithGrace({ delay: config.shutdownGraceMs + 5000 }, async ({ signal, err }) => {
          engine.logger.info({ signal, err }, 'shutting down');
          await (await starting).close(config.shutdownGraceMs);
          await operations?.server.close();
          resolve();
        });
        void starting.then(
          () => engine.logger.info('worker ready: waiting for jobs (SIGTERM drains and exits)'),
          (error: unknown) => {
            engine.logger.error({ err: error }, 'worker failed to start');
            void operations?.server.close();
            resolve();
          },
        );
      });
      await starting;
    });
}

/** /metrics and /healthz for this worker; prom-client loads only when a port is asked for. */
async function serveOperations(
  engine: EngineEnv,
  port: number,
): Promise<{ metrics: SyncMetrics; server: { close(): Promise<void> } }> {
  const [{ createOperationsRoutes }, { startMetricsServer }] = await Promise.all([
    import('../observability/operations-routes.js'),
    import('../observability/metrics-server.js'),
  ]);
  const routes = createOperationsRoutes({ db: engine.db, redis: engine.redis });
  const server = await startMetricsServer(routes, port);
  engine.logger.info({ port: server.port }, 'serving /metrics and /healthz');
  return { metrics: routes.metrics, server };
}
