import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { type ExitCodeValue, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

export function registerDemo(
  program: Command,
  ctx: CliContext,
  runCli: (argv: readonly string[], io: CliIo) => Promise<ExitCodeValue>,
): void {
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
      // The demo (and through it the sandboxes and the worker) loads only when it runs.
      const { runDemo } = await import('../demo/run-demo.js');
      ctx.setExitCode(
        await runDemo(
          ctx.io,
          { seed: o.seed, deals: o.deals, outputDir: o.outputDir, json: o.json === true },
          runCli,
        ),
      );
    });
}
