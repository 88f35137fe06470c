/** Exit codes of DESIGN.md §7. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, deferred: 3 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is already the one sentence a person should read. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failed,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}
