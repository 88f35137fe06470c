import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';

/** Runs one command line in-process and captures what it printed. */
export async function runCapture(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  stdin.end();
  const code = await runCli(argv, { stdout, stderr, stdin, env });
  return { code, stdout: out, stderr: err };
}
