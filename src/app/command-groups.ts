import type { Command } from 'commander';
import type { CliContext } from '../cli/cli-context.js';
import type { ExitCodeValue } from '../cli/cli-error.js';
import type { CliIo } from '../cli/cli-io.js';

export type RunCli = (argv: readonly string[], io: CliIo) => Promise<ExitCodeValue>;
/** A command group's registration; the demo also gets the runner, to drive the real commands. */
export type RegisterGroup = (program: Command, ctx: CliContext, runCli: RunCli) => void;

/**
 * Every command group, in the order `--help` lists them. A group is named here with what the root
 * help shows of it (its term and description), so `salesops --help` and a typo's suggestion need
 * no group's code; `load` brings in the one group that runs. build-program.ts registers them all
 * at once for the tests, which also check that these terms match what the groups register.
 */
export const COMMAND_GROUPS = [
  {
    name: 'migrate',
    term: 'migrate [options]',
    description: 'create the database if needed and apply pending migrations (every command also does this)',
    load: async () => (await import('../cli/migrate-command.js')).registerMigrate,
  },
  {
    name: 'connections',
    term: 'connections',
    description: 'CRM connections: add, list, change, test, remove',
    load: async () => (await import('../cli/connections-command.js')).registerConnections,
  },
  {
    name: 'forecast',
    term: 'forecast [options]',
    description: 'forecast a period: CRM-weighted, category roll-ups, history model, Monte Carlo, run-rate',
    load: async () => (await import('../cli/forecast-command.js')).registerForecast,
  },
  {
    name: 'sync',
    term: 'sync [options] <name>',
    description: 'pull → route → compute → push one connection through the job queue, and wait for it',
    load: async () => (await import('./sync-command.js')).registerSync,
  },
  {
    name: 'worker',
    term: 'worker [options]',
    description:
      'run sync workers until SIGTERM (which drains: running jobs finish or are released for retry)',
    load: async () => (await import('./worker-command.js')).registerWorker,
  },
  {
    name: 'serve',
    term: 'serve [options]',
    description: 'the HTTP API (OpenAPI at /openapi.json, docs at /docs) until SIGTERM',
    load: async () => (await import('./serve-command.js')).registerServe,
  },
  {
    name: 'schedule',
    term: 'schedule',
    description: 'when each connection syncs by itself (cron + time zone)',
    load: async () => (await import('../cli/schedule-command.js')).registerSchedule,
  },
  {
    name: 'alerts',
    term: 'alerts',
    description: 'Slack-compatible webhook messages when a connection fails, defers, recovers or goes stale',
    load: async () => (await import('../cli/alerts-command.js')).registerAlerts,
  },
  {
    name: 'sandbox',
    term: 'sandbox',
    description: 'run a fake HubSpot or Salesforce on this machine',
    load: async () => (await import('./sandbox-command.js')).registerSandbox,
  },
  {
    name: 'settings',
    term: 'settings',
    description: 'rep settings for lead routing',
    load: async () => (await import('../cli/settings-command.js')).registerSettings,
  },
  {
    name: 'route',
    term: 'route',
    description: 'lead routing: rules, decisions explained, report, shadow simulation',
    load: async () => (await import('../cli/route-command.js')).registerRoute,
  },
  {
    name: 'audit',
    term: 'audit',
    description: 'audits ops can hand to a manager',
    load: async () => (await import('../cli/audit-command.js')).registerAudit,
  },
  {
    name: 'quotas',
    term: 'quotas',
    description: 'sales quotas (month grain; CSV beats the CRM)',
    load: async () => (await import('../cli/quotas-command.js')).registerQuotas,
  },
  {
    name: 'report',
    term: 'report',
    description: 'attainment and rep comparison, computed from the warehouse',
    load: async () => (await import('../cli/report-command.js')).registerReport,
  },
  {
    name: 'demo',
    term: 'demo [options]',
    description: 'the whole loop on the built-in sandbox CRMs: sync, metrics, audit, forecast, push-back',
    load: async () => (await import('./demo-command.js')).registerDemo,
  },
  {
    name: 'fields',
    term: 'fields',
    description: 'the fields SalesOps writes into the CRM',
    load: async () => (await import('../cli/fields-command.js')).registerFields,
  },
  {
    name: 'runs',
    term: 'runs [options]',
    description: 'run history: stages, counts, errors, pushed values; cancel a running sync',
    load: async () => (await import('../cli/runs-command.js')).registerRuns,
  },
  {
    name: 'comp',
    term: 'comp',
    description: 'compensation: plans, assignments, statements, close',
    load: async () => (await import('../cli/comp-command.js')).registerComp,
  },
  {
    name: 'users',
    term: 'users',
    description: 'people who use the API: roles and personal tokens',
    load: async () => (await import('../cli/users-command.js')).registerUsers,
  },
] as const satisfies readonly {
  readonly name: string;
  readonly term: string;
  readonly description: string;
  readonly load: () => Promise<RegisterGroup>;
}[];

export type CommandGroup = (typeof COMMAND_GROUPS)[number];
export type GroupName = CommandGroup['name'];

/** The group a command line runs: its first word, or the word after `help`; root flags take no value. */
export function groupOf(argv: readonly string[]): CommandGroup | undefined {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  return COMMAND_GROUPS.find((group) => group.name === word);
}
