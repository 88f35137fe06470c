import type { Command } from 'commander';
import { registerAudit } from './audit-command.js';
import type { CliContext } from './cli-context.js';
import type { ExitCodeValue } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { registerConnections } from './connections-command.js';
import { registerDemo } from './demo-command.js';
import { registerFields } from './fields-command.js';
import { registerForecast } from './forecast-command.js';
import { registerMigrate } from './migrate-command.js';
import { registerQuotas } from './quotas-command.js';
import { registerReport } from './report-command.js';
import { registerSandbox } from './sandbox-command.js';
import { registerSchedule } from './schedule-command.js';
import { registerSettings } from './settings-command.js';
import { registerSync } from './sync-command.js';
import { registerWorker } from './worker-command.js';

/** Every command group, one file each. */
export function registerCommands(
  program: Command,
  ctx: CliContext,
  runCli: (argv: readonly string[], io: CliIo) => Promise<ExitCodeValue>,
): void {
  registerMigrate(program, ctx);
  registerConnections(program, ctx);
  registerForecast(program, ctx);
  registerSync(program, ctx);
  registerWorker(program, ctx);
  registerSchedule(program, ctx);
  registerSandbox(program, ctx);
  registerSettings(program, ctx);
  registerAudit(program, ctx);
  registerQuotas(program, ctx);
  registerReport(program, ctx);
  registerDemo(program, ctx, runCli);
  registerFields(program, ctx);
}
