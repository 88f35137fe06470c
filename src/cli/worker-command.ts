import closeWithGrace from 'close-with-grace';
import type { Command } from 'commander';
import { startSyncWorker } from '../../workers/sync-worker.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { openEngine } from './engine-env.js';

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
      const engine = await openEngine(ctx);
      const config = ctx.config();
      const worker = await startSyncWorker({
        ...engine,
        concurrency: o.concurrency ?? config.workerConcurrency,
      });
      await new Promise<void>((resolve) => {
        // close-with-grace: first signal drains within the grace period; a second one exits at once.
        closeWithGrace({ delay: config.shutdownGraceMs + 5000 }, async ({ signal, err }) => {
          engine.logger.info({ signal, err }, 'shutting down');
          await worker.close(config.shutdownGraceMs);
          resolve();
        });
      });
    });
}
