/**
 * Start-up time of the built bin (issue 16): `salesops --help` and `salesops connections list`
 * against a migrated database holding one connection, median and spread of 10 runs each, after
 * one warm-up run (the OS file cache, not our code, is what a first run measures). One more run
 * of each, outside the timing, counts the files the command loaded and names the heavy packages
 * among them, so a regression says what it loaded, not only how long it took.
 *
 * Needs `npm run build`. Prints one JSON document. `tsx bench/cli-startup.ts [BIN …]` times other
 * builds of the bin too (e.g. a copy of an older dist/ inside this checkout), in the same run.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { insertConnection } from '../test/support/fixtures.js';
import { createTestDatabase } from '../test/support/test-db.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_BIN = 'dist/src/app/cli-main.js';
const bins = process.argv.length > 2 ? process.argv.slice(2) : [DEFAULT_BIN];
for (const bin of bins) {
  if (!existsSync(join(root, bin))) {
    process.stderr.write(`error: ${bin} does not exist; run \`npm run build\` first.\n`);
    process.exit(2);
  }
}

/** Packages the `--help` path must not load (issue 16); `sandboxes` is our own fake CRMs. */
const WATCHED = [
  'zod',
  'pino',
  'kysely',
  'pg',
  'ioredis',
  'bullmq',
  'jsforce',
  '@hubspot/api-client',
  'luxon',
  'cli-table3',
] as const;

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

function time(bin: string, args: readonly string[]): { medianMs: number; minMs: number; maxMs: number } {
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

// Every file a run loads, through both loaders: an ESM hook sees imports (and the entry file of a
// CommonJS package imported from ESM); a CommonJS preload sees the requires inside those packages.
const probeDir = mkdtempSync(join(tmpdir(), 'salesops-bench-'));
const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.BENCH_LOADED_LOG, url.slice(7) + '\\n');
  return next(url, context);
}`;
const register = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
const cjs = join(probeDir, 'count-requires.cjs');
writeFileSync(
  cjs,
  `const Module = require('node:module'); const { appendFileSync } = require('node:fs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolve.apply(this, args);
  if (file.startsWith('/')) appendFileSync(process.env.BENCH_LOADED_LOG, file + '\\n');
  return file;
};`,
);

function loaded(bin: string, args: readonly string[]): { files: number; packages: string[] } {
  const log = join(probeDir, 'loaded.log');
  rmSync(log, { force: true });
  const run = spawnSync(
    process.execPath,
    ['--require', cjs, '--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, ...args],
    { cwd: root, env: { ...env, BENCH_LOADED_LOG: log }, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`salesops ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const files = new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean));
  const inPackage = (name: string) => [...files].some((f) => f.includes(`/node_modules/${name}/`));
  const sandboxes = [...files].some((f) => !f.includes('/node_modules/') && f.includes('/sandboxes/'));
  return { files: files.size, packages: [...WATCHED.filter(inPackage), ...(sandboxes ? ['sandboxes'] : [])] };
}

function measure(bin: string) {
  return {
    bin,
    help: { ...time(bin, ['--help']), loaded: loaded(bin, ['--help']) },
    connectionsList: {
      ...time(bin, ['connections', 'list']),
      loaded: loaded(bin, ['connections', 'list']),
    },
  };
}

try {
  const results = bins.map(measure);
  const [first] = results;
  process.stdout.write(
    `${JSON.stringify(bins.length === 1 ? { runs: RUNS, node: process.version, ...first } : { runs: RUNS, node: process.version, results })}\n`,
  );
} finally {
  rmSync(probeDir, { recursive: true, force: true });
  await database.drop();
}
