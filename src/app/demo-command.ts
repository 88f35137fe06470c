import type { Command } from 'commander';
import type { CliContext } from '../cli/cli-context.js';
import { type ExitCodeValue, usageError } from '../cli/cli-error.js';
import type { CliIo } from '../cli/cli-io.js';
import type { DemoOptions, RunCli } from '../demo/run-demo.js';

/**
 * `salesops demo` with what the demo needs handed down: the demo (src/demo) may not load the fake
 * CRMs or the workers itself, so the top loads them here, when the demo runs and never before.
 */
export async function runDemo(io: CliIo, options: DemoOptions, runCli: RunCli): Promise<ExitCodeValue> {
  const [demo, hubspot, salesforce, queues, workers, factory] = await Promise.all([
    import('../demo/run-demo.js'),
    import('../../sandboxes/hubspot/index.js'),
    import('../../sandboxes/salesforce/index.js'),
    import('../../workers/queues.js'),
    import('../../workers/sync-worker.js'),
    import('./connector-factory.js'),
  ]);
  return demo.runDemo(io, options, {
    runCli,
    startHubspotSandbox: hubspot.startHubspotSandbox,
    startSalesforceSandbox: salesforce.startSalesforceSandbox,
    createSyncQueue: queues.createSyncQueue,
    startSyncWorker: (worker, redis) =>
      workers.startSyncWorker({
        ...worker,
        connectorFor: factory.createConnectorFactory({
          redis,
          queuePrefix: worker.prefix,
          connections: worker.connections,
          logger: worker.logger,
        }),
      }),
  });
}

export function registerDemo(program: Command, ctx: CliContext, runCli: RunCli): void {
  program
    .command('demo')
    .description('the whole loop on the built-in sandbox CRMs: sync, metrics, audit, forecast, push-back')
    .option(
      '--seed <n>',
      'seed of the generated company',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw usageError(`--seed expects a whole number, not "${v}".`);
        return n;
      },
      7,
    )
    .option(
      '--deals <n>',
      'deals per CRM',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 100 || n > 200_000)
          throw usageError(`--deals expects a whole number from 100 to 200000, not "${v}".`);
        return n;
      },
      2500,
    )
    .option('--output-dir <dir>', 'where the CSV files and HTML reports go', 'salesops-demo')
    .option('--json', 'print one JSON document with everything the demo found')
    .action(async (o: { seed: number; deals: number; outputDir: string; json?: boolean }) => {
      ctx.setExitCode(
        await runDemo(
          ctx.io,
          { seed: o.seed, deals: o.deals, outputDir: o.outputDir, json: o.json === true },
          runCli,
        ),
      );
    });
}
