/**
 * Start-up time of the built bin (issue 16): `salesops --help` and `salesops connections list`
 * against a migrated database holding one connection, median and spread of 10 runs each, after
 * one warm-up run (the OS file cache, not our code, is what a first run measures).
 * Needs `npm run build`. Prints one JSON document.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { insertConnection } from '../test/support/fixtures.js';
import { createTestDatabase } from '../test/support/test-db.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = 'dist/src/cli/main.js';
if (!existsSync(`${root}${bin}`)) {
  process.stderr.write(`error: ${bin} does not exist; run \`npm run build\` first.\n`);
  process.exit(2);
}

const RUNS = 10;
const database = await createTestDatabase('bench_cli_startup');
await insertConnection(database.db, { name: 'acme' });
const env = {
  PATH: process.env.PATH,
  DATABASE_URL: database.url,
  REDIS_URL: 'redis://127.0.0.1:6379',
  SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'warn',
};

function time(args: readonly string[]): { medianMs: number; minMs: number; maxMs: number } {
  const once = () => {
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (run.status !== 0) throw new Error(`salesops ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    return ms;
  };
  once();
  const samples = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
  const median = ((samples[RUNS / 2 - 1] as number) + (samples[RUNS / 2] as number)) / 2;
  const round = (n: number) => Math.round(n);
  return {
    medianMs: round(median),
    minMs: round(samples[0] as number),
    maxMs: round(samples[RUNS - 1] as number),
  };
}

try {
  const result = {
    runs: RUNS,
    node: process.version,
    help: time(['--help']),
    connectionsList: time(['connections', 'list']),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await database.drop();
}
