import { runCli } from '../../src/app/run-cli.js';
import { captureRun } from '../../src/cli/cli-io.js';

/** Runs one command line in-process and captures what it printed. */
export function runCapture(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return captureRun(runCli, argv, env, stdin);
}
