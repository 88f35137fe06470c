import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { type CliContext, type CliWiring, createCliContext } from './cli-context.js';
import type { ExitCodeValue } from './cli-error.js';
import { cliFailure } from './cli-failure.js';
import type { CliIo } from './cli-io.js';

/**
 * The version of package.json: the bin runs from src/ (tsx) and from dist/src/ (built), so the
 * nearest package.json above this file is looked for rather than a fixed relative path.
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

/** Adds the command groups to the root; src/app decides which groups are real and which only named. */
export type RegisterCommands = (program: Command, ctx: CliContext) => void;

export function buildProgram(ctx: CliContext, register: RegisterCommands): Command {
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
    .configureOutput(output)
    // Config and logger load before an action, never for --help or a usage error.
    .hook('preAction', () => ctx.prepare());
  register(program, ctx);
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

/**
 * Runs one command line in-process and returns its exit code; never calls process.exit. `commands`
 * gets the argv so the top can load only the command group that runs.
 */
export async function runProgram(
  argv: readonly string[],
  io: CliIo,
  wiring: CliWiring,
  commands: (argv: readonly string[]) => Promise<RegisterCommands>,
): Promise<ExitCodeValue> {
  const ctx = createCliContext(io, wiring);
  try {
    const program = buildProgram(ctx, await commands(argv));
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    const failed = await cliFailure(error);
    if (failed.unexpected) {
      await ctx.prepare();
      ctx.logger().error({ err: error }, 'unexpected error');
    }
    if (failed.line !== null) io.stderr.write(failed.line);
    return failed.exitCode;
  } finally {
    await ctx.close();
  }
}
