import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, registerEveryGroup } from '../../src/app/build-program.js';
import { COMMAND_GROUPS, groupOf } from '../../src/app/command-groups.js';
import { cliWiring, runCli } from '../../src/app/run-cli.js';
import { createCliContext } from '../../src/cli/cli-context.js';
import { captureRun } from '../../src/cli/cli-io.js';
import { runProgram } from '../../src/cli/program.js';

/**
 * The bin loads only the command group a command line names and shows every other group by the
 * term and description command-groups.ts declares for it. This proves that shortcut invisible:
 * every help page, from the root down to each leaf, reads the same as with every group loaded.
 */
const env = { LOG_LEVEL: 'silent' };
const lazy = (argv: readonly string[]) => captureRun(runCli, argv, env);
const whole = (argv: readonly string[]) =>
  captureRun((line, io) => runProgram(line, io, cliWiring, async () => registerEveryGroup), argv, env);

function paths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...paths(sub, [...prefix, sub.name()])]);
}

describe('the lazy command runner', () => {
  const tree = buildProgram(
    createCliContext({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: {} }),
  );

  it('names every group the whole program registers, in the same order', () => {
    expect(COMMAND_GROUPS.map((g) => g.name)).toEqual(tree.commands.map((c) => c.name()));
  });

  it('prints the same root help, version and unknown-command line as the whole program', async () => {
    for (const argv of [['--help'], [], ['help'], ['-V'], ['frobnicate'], ['conections', 'list']]) {
      const [a, b] = await Promise.all([lazy(argv), whole(argv)]);
      expect({ argv, ...a }).toEqual({ argv, ...b });
    }
  });

  it('prints the same help for every group and leaf as the whole program', async () => {
    for (const path of paths(tree)) {
      for (const argv of [
        [...path, '--help'],
        ['help', ...path],
      ]) {
        const [a, b] = await Promise.all([lazy(argv), whole(argv)]);
        expect({ argv, ...a }).toEqual({ argv, ...b });
      }
    }
  });

  it('finds the group in the first word, or the word after help', () => {
    expect(groupOf(['connections', 'list'])?.name).toBe('connections');
    expect(groupOf(['--help', 'sync'])?.name).toBe('sync');
    expect(groupOf(['help', 'report', 'reps'])?.name).toBe('report');
    expect(groupOf(['help'])).toBeUndefined();
    expect(groupOf(['frobnicate'])).toBeUndefined();
  });
});
