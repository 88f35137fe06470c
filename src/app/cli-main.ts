#!/usr/bin/env node
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// Let stdout drain before exiting: `--json` output piped to another program must arrive whole.
process.stdout.write('', () => process.exit(code));
