import { CommanderError } from 'commander';
import { ConnectorError } from '../../connectors/connector-error.js';
import { CalendarInputError } from '../calendar/calendar-input-error.js';
import { DomainError } from '../domain-error.js';
import { CliError, ExitCode, type ExitCodeValue } from './cli-error.js';

/**
 * The CLI's one mapping from an error to what a person sees: an exit code (DESIGN.md §7) and one
 * sentence on stderr. Domain errors say what they are (DomainError, `invalidInput`), so this
 * needs no list of error classes; `unexpected` is a bug to log, not a sentence to show.
 */
export interface CliFailure {
  readonly exitCode: ExitCodeValue;
  /** The line for stderr; null when commander has already printed its own. */
  readonly line: string | null;
  readonly unexpected: boolean;
}

const failure = (exitCode: ExitCodeValue, line: string | null, unexpected = false): CliFailure => ({
  exitCode,
  line,
  unexpected,
});

export async function cliFailure(error: unknown): Promise<CliFailure> {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    ) {
      return failure(ExitCode.ok, null);
    }
    // Commander already printed its one-line message.
    return failure(ExitCode.usage, null);
  }
  if (error instanceof CliError) return failure(error.exitCode, `error: ${error.message}\n`);
  // Only a command that ran has loaded zod; --help never pays for it.
  const { ZodError } = await import('zod');
  if (error instanceof ZodError) {
    const detail = error.issues
      .map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`)
      .join('; ');
    return failure(ExitCode.usage, `error: invalid input (${detail}); check the values and run again.\n`);
  }
  if (error instanceof CalendarInputError) {
    // The calendar does not know which flag the text came from; the CLI does.
    return failure(
      ExitCode.usage,
      `error: --${error.input} expects ${error.expected}, not "${error.value}".\n`,
    );
  }
  if (error instanceof DomainError) {
    // A malformed environment is a wrong invocation, like a wrong flag.
    return failure(error.invalidInput ? ExitCode.usage : ExitCode.failed, `error: ${error.message}\n`);
  }
  if (error instanceof ConnectorError) return failure(ExitCode.failed, `error: ${error.message}\n`);
  return failure(
    ExitCode.failed,
    `error: unexpected failure (${error instanceof Error ? error.message : String(error)}); rerun with LOG_LEVEL=debug and report the log.\n`,
    true,
  );
}
