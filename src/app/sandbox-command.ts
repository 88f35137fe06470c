import type { Command } from 'commander';
import type { CliContext } from '../cli/cli-context.js';
import { usageError } from '../cli/cli-error.js';

const integer = (flag: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw usageError(`--${flag} expects a whole number from ${min} to ${max}, not "${value}".`);
  }
  return n;
};

interface SandboxFlags {
  port?: number;
  seed?: number;
  deals?: number;
  rateLimit?: number;
}

/**
 * The fake CRMs on their own, for trying the product or pointing other tools at them. The
 * sandboxes are imported inside the actions, so no other command (nor `--help`) loads them.
 */
export function registerSandbox(program: Command, ctx: CliContext): void {
  const sandbox = program.command('sandbox').description('run a fake HubSpot or Salesforce on this machine');
  const withFlags = (command: Command) =>
    command
      .option('--port <port>', 'port (default: a free one)', integer('port', 0, 65535))
      .option('--seed <seed>', 'seed of the generated company', integer('seed', 0, 2 ** 31))
      .option('--deals <n>', 'number of deals', integer('deals', 0, 10_000_000))
      .option(
        '--rate-limit <n>',
        'requests allowed per rolling window (HubSpot: per 10 s)',
        integer('rate-limit', 1, 1_000_000),
      );

  const serve = async (close: () => Promise<void>, line: Record<string, unknown>) => {
    ctx.io.stdout.write(`${JSON.stringify(line)}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  };

  withFlags(sandbox.command('hubspot').description('a seeded HubSpot portal (CRM v3 API)')).action(
    async (o: SandboxFlags) => {
      const { startHubspotSandbox } = await import('../../sandboxes/hubspot/index.js');
      const s = await startHubspotSandbox({
        ...(o.port !== undefined && { port: o.port }),
        ...(o.seed !== undefined && { seed: o.seed }),
        ...(o.deals !== undefined && { deals: o.deals }),
        ...(o.rateLimit !== undefined && { rateLimit: o.rateLimit }),
      });
      await serve(() => s.close(), { baseUrl: s.baseUrl, accessToken: s.accessToken });
    },
  );

  withFlags(sandbox.command('salesforce').description('a seeded Salesforce org (REST API)')).action(
    async (o: SandboxFlags) => {
      const { startSalesforceSandbox } = await import('../../sandboxes/salesforce/index.js');
      const s = await startSalesforceSandbox({
        ...(o.port !== undefined && { port: o.port }),
        ...(o.seed !== undefined && { seed: o.seed }),
        ...(o.deals !== undefined && { deals: o.deals }),
        ...(o.rateLimit !== undefined && { rateLimit: o.rateLimit }),
      });
      await serve(() => s.close(), {
        instanceUrl: s.instanceUrl,
        loginUrl: s.loginUrl,
        clientId: s.clientId,
        clientSecret: s.clientSecret,
      });
    },
  );
}
