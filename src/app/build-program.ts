import type { Command } from 'commander';
import { registerAlerts } from '../cli/alerts-command.js';
import { registerAudit } from '../cli/audit-command.js';
import type { CliContext } from '../cli/cli-context.js';
import { registerComp } from '../cli/comp-command.js';
import { registerConnections } from '../cli/connections-command.js';
import { registerFields } from '../cli/fields-command.js';
import { registerForecast } from '../cli/forecast-command.js';
import { registerMigrate } from '../cli/migrate-command.js';
import { buildProgram as buildRoot, type RegisterCommands } from '../cli/program.js';
import { registerQuotas } from '../cli/quotas-command.js';
import { registerReport } from '../cli/report-command.js';
import { registerRoute } from '../cli/route-command.js';
import { registerRuns } from '../cli/runs-command.js';
import { registerSchedule } from '../cli/schedule-command.js';
import { registerSettings } from '../cli/settings-command.js';
import { registerUsers } from '../cli/users-command.js';
import type { GroupName, RegisterGroup } from './command-groups.js';
import { registerDemo } from './demo-command.js';
import { registerGroups } from './run-cli.js';
import { registerSandbox } from './sandbox-command.js';
import { registerServe } from './serve-command.js';
import { registerSync } from './sync-command.js';
import { registerWorker } from './worker-command.js';

const ALL: Readonly<Record<GroupName, RegisterGroup>> = {
  migrate: registerMigrate,
  connections: registerConnections,
  forecast: registerForecast,
  sync: registerSync,
  worker: registerWorker,
  serve: registerServe,
  schedule: registerSchedule,
  alerts: registerAlerts,
  sandbox: registerSandbox,
  settings: registerSettings,
  route: registerRoute,
  audit: registerAudit,
  quotas: registerQuotas,
  report: registerReport,
  demo: registerDemo,
  fields: registerFields,
  runs: registerRuns,
  comp: registerComp,
  users: registerUsers,
};

/**
 * The whole command tree at once, every group loaded: what the tests walk, and what the lazy
 * runner (run-cli.ts) must show the same help as. The bin never loads this file.
 */
export function buildProgram(ctx: CliContext): Command {
  return buildRoot(ctx, registerEveryGroup);
}

export const registerEveryGroup: RegisterCommands = (program, ctx) =>
  registerGroups(program, ctx, (group) => ALL[group.name]);
