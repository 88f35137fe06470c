import type { Command } from 'commander';
import type { CliContext } from '../cli/cli-context.js';
import { usageError } from '../cli/cli-error.js';

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
    .action(async (o: { concurrency?: number }) => {
      // The worker entry point: BullMQ and the stages load only when a worker runs.
      const [{ default: closeWithGrace }, { startSyncWorker }] = await Promise.all([
        import('close-with-grace'),
        import('../../workers/sync-worker.js'),
      ]);
      const engine = await ctx.engine();
      const config = ctx.config();
      const starting = startSyncWorker({ ...engine, concurrency: o.concurrency ?? config.workerConcurrency });
      await new Promise<void>((resolve) => {
        // Installed before the worker starts, so a SIGTERM that arrives during start-up drains too.
        // close-with-grace: the first signal drains within the grace period; a second exits at once.
        closeWithGrace({ delay: config.shutdownGraceMs + 5000 }, async ({ signal, err }) => {
          engine.logger.info({ signal, err }, 'shutting down');
          await (await starting).close(config.shutdownGraceMs);
          resolve();
        });
        void starting.then(
          () => engine.logger.info('worker ready: waiting for jobs (SIGTERM drains and exits)'),
          (error: unknown) => {
            engine.logger.error({ err: error }, 'worker failed to start');
            resolve();
          },
        );
      });
      await starting;
    });
}
