import type { Command } from 'commander';
import type { MountRoutes } from '../api/build-api.js';
import type { CliContext } from '../cli/cli-context.js';
import { usageError } from '../cli/cli-error.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    throw usageError(`--port expects a whole number 1-65535, not "${value}".`);
  }
  return n;
}

/** Requests per token per minute: generous for a script, a wall for a runaway loop. */
const RATE_POINTS = 600;

/** Routes other parts mount beside the API (the /metrics and /healthz of the operations work). */
export const SERVE_MOUNTS: MountRoutes[] = [];

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('the HTTP API (OpenAPI at /openapi.json, docs at /docs) until SIGTERM')
    .option('--port <port>', 'TCP port', parsePort, 8080)
    .option('--host <host>', 'interface to listen on (0.0.0.0 for every one)', '127.0.0.1')
    .action(async (o: { port: number; host: string }) => {
      // Fastify and the routes load only when the server runs, never for --help.
      const [
        { default: closeWithGrace },
        { buildApi },
        { API_ROUTES },
        { requestSync },
        { reconcileSchedules },
        { apiPeople },
        { createOperationsRoutes },
      ] = await Promise.all([
        import('close-with-grace'),
        import('../api/build-api.js'),
        import('../api/api-routes.js'),
        import('./run-sync.js'),
        import('../schedule/reconcile-schedules.js'),
        import('./api-people.js'),
        import('../observability/operations-routes.js'),
      ]);
      const engine = await ctx.engine();
      const config = ctx.config();
      // DESIGN §13: serve answers /metrics and /healthz too, public like a load balancer needs them.
      const operations = createOperationsRoutes({ db: engine.db, redis: engine.redis });
      const mountOperations: MountRoutes = (api) => {
        api.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
          const { contentType, body } = await operations.renderMetrics();
          return reply.type(contentType).send(body);
        });
        api.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
          const { status, body } = await operations.checkHealth();
          return reply.code(status).send(body);
        });
      };
      const app = await buildApi(
        {
          db: engine.db,
          connections: engine.connections,
          redis: engine.redis,
          logger: engine.logger,
          ...apiPeople(engine.db),
          requestSync: (connection, options) => requestSync(engine, connection, options, 'api'),
          reconcileSchedules: async () => {
            await reconcileSchedules(engine.db, engine.queue);
          },
          rateLimit: {
            points: RATE_POINTS,
            durationSeconds: 60,
            keyPrefix: `${config.queuePrefix}:api-rate`,
          },
          mount: [mountOperations, ...SERVE_MOUNTS],
        },
        API_ROUTES,
      );
      const address = await app.listen({ port: o.port, host: o.host });
      engine.logger.info({ address }, `API listening on ${address} (docs at ${address}/docs)`);
      await new Promise<void>((resolve) => {
        // The first signal stops accepting and lets requests in flight finish; a second exits at once.
        closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
          engine.logger.info({ signal, err }, 'shutting down the API');
          await app.close();
          resolve();
        });
      });
    });
}
