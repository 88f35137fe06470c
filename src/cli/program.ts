import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { ConnectorError } from '../../connectors/connector-error.js';
import { UnsupportedConnectorError } from '../../workers/connector-factory.js';
import { CalendarInputError } from '../calendar/calendar-input-error.js';
import { ConfigError } from '../config.js';
import { ConnectionNotFoundError, DuplicateConnectionError } from '../connections/connection-store.js';
import { CredentialKeyError } from '../connections/credentials-cipher.js';
import { ImportFileError } from '../imports/import-file-error.js';
import { MigrationError } from '../migrate.js';
import { ServiceUnavailableError } from '../service-check.js';
import { type CliContext, createCliContext } from './cli-context.js';
import { CliError, ExitCode, type ExitCodeValue } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { registerCommands } from './register-commands.js';

/**
 * The version of package.json: the bin runs from src/cli (tsx) and from dist/src/cli (built), so
 * the nearest package.json above this file is looked for rather than a fixed relative path.
 */
function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version?: string };
      if (typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not here; look one folder up.
    }
    if (dir.pathname === '/') return 'unknown';
  }
}

export function buildProgram(ctx: CliContext): Command {
  const output = {
    writeOut: (text: string) => ctx.io.stdout.write(text),
    writeErr: (text: string) => ctx.io.stderr.write(text),
    // Commander puts a suggestion ("Did you mean list?") on a line of its own; a usage error is
    // one sentence on one line, so scripts and people read the same thing.
    outputError: (text: string, write: (text: string) => void) =>
      write(`${text.trim().replace(/\s*\n\s*/g, ' ')}; run with --help for usage.\n`),
  };
  const program = new Command('salesops')
    .description('salesops-sync: CRM sales-operations metrics, computed in your warehouse and pushed back')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(output);
  // The demo drives the real commands in-process: it gets this program's runner handed down
  // rather than importing it, which would close a loop through register-commands.
  registerCommands(program, ctx, runCli);
  // Sub-commands inherit the override and output so usage errors come back as exit code 2.
  const configure = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput(output);
      configure(sub);
    }
  };
  configure(program);
  return program;
}

function knownMessage(error: unknown): string | null {
  if (error instanceof CliError) return error.message;
  for (const known of [
    ConfigError,
    CredentialKeyError,
    ConnectionNotFoundError,
    DuplicateConnectionError,
    ServiceUnavailableError,
    MigrationError,
    ConnectorError,
    UnsupportedConnectorError,
    ImportFileError,
  ]) {
    if (error instanceof known) return error.message;
  }
  return null;
}

/** Runs one command line in-process and returns its exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const ctx = createCliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      ) {
        return ExitCode.ok;
      }
      // Commander already printed its one-line message.
      return ExitCode.usage;
    }
    if (error instanceof ZodError) {
      const detail = error.issues
        .map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`)
        .join('; ');
      io.stderr.write(`error: invalid input (${detail}); check the values and run again.\n`);
      return ExitCode.usage;
    }
    if (error instanceof CalendarInputError) {
      io.stderr.write(`error: --${error.input} expects ${error.expected}, not "${error.value}".\n`);
      return ExitCode.usage;
    }
    const message = knownMessage(error);
    if (message !== null) {
      io.stderr.write(`error: ${message}\n`);
      if (error instanceof CliError) return error.exitCode;
      // A malformed environment is a wrong invocation, like a wrong flag.
      return error instanceof ConfigError ? ExitCode.usage : ExitCode.failed;
    }
    ctx.logger().error({ err: error }, 'unexpected error');
    io.stderr.write(
      `error: unexpected failure (${error instanceof Error ? error.message : String(error)}); rerun with LOG_LEVEL=debug and report the log.\n`,
    );
    return ExitCode.failed;
  } finally {
    await ctx.close();
  }
}
