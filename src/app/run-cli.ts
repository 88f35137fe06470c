import { type Command, Help } from 'commander';
import type { CliContext, CliWiring } from '../cli/cli-context.js';
import type { ExitCodeValue } from '../cli/cli-error.js';
import type { CliIo } from '../cli/cli-io.js';
import { runProgram } from '../cli/program.js';
import { COMMAND_GROUPS, type CommandGroup, groupOf, type RegisterGroup } from './command-groups.js';

/** What the top hands down to the CLI surface: the engine, loaded only by a command that opens it. */
export const cliWiring: CliWiring = {
  openEngine: async (ctx) => (await import('./engine-env.js')).openEngine(ctx),
};

/**
 * `salesops …` in-process: returns the exit code, never calls process.exit. Only the group the
 * command line names is loaded; every other group is only named, with the term and description
 * the root help shows, so `--help` loads no group at all.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  return runProgram(argv, io, cliWiring, async (line) => {
    const running = groupOf(line);
    const register = running ? await running.load() : undefined;
    return (program, ctx) =>
      registerGroups(program, ctx, (group) => (group === running ? register : undefined));
  });
}

/** Registers every group in help order: `real` gives a group's registration, or none for a name only. */
export function registerGroups(
  program: Command,
  ctx: CliContext,
  real: (group: CommandGroup) => RegisterGroup | undefined,
): void {
  const named = new WeakMap<Command, string>();
  const fallback = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => named.get(cmd) ?? fallback.subcommandTerm(cmd) });
  for (const group of COMMAND_GROUPS) {
    const register = real(group);
    if (register) register(program, ctx, runCli);
    else named.set(program.command(group.name).description(group.description), group.term);
  }
}
