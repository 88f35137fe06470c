import { readFile } from 'node:fs/promises';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { CliError, usageError } from './cli-error.js';

/** The process's streams, injected so tests run commands in-process and read what they print. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: NodeJS.ProcessEnv;
}

/** `--json`: exactly one document on stdout, nothing else there. */
export function printJson(io: CliIo, document: unknown): void {
  io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/** `--csv`: a header row and one row per item, nothing else on stdout. */
export function printCsv(io: CliIo, rows: readonly Record<string, string | number | boolean | null>[]): void {
  io.stdout.write(stringify([...rows], { header: true, cast: { boolean: (b) => String(b) } }));
}

/** A list prints as a table, `--json` or `--csv`; asking for two formats is a usage error. */
export function listFormat(o: { readonly json?: boolean; readonly csv?: boolean }): 'json' | 'csv' | 'table' {
  if (o.json && o.csv) throw usageError('Give --json or --csv, not both.');
  return o.json ? 'json' : o.csv ? 'csv' : 'table';
}

/** Money as every table shows it: whole units with thousands separators (documents keep cents). */
export function displayMoney(value: number | null): string | null {
  return value === null ? null : Math.round(value).toLocaleString('en-US');
}

export function printLine(io: CliIo, line = ''): void {
  io.stdout.write(`${line}\n`);
}

export function printTable(
  io: CliIo,
  head: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): void {
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows)
    table.push(row.map((cell) => (cell === null || cell === undefined ? '—' : String(cell))));
  io.stdout.write(`${table.toString()}\n`);
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A secret from `--x VALUE`, `--x -` (stdin) or `--x-file F` (`-` = stdin), so it need not sit
 * in shell history. Returns undefined when neither was given.
 */
export async function readSecret(
  io: CliIo,
  flag: string,
  value: string | undefined,
  file: string | undefined,
): Promise<string | undefined> {
  if (value !== undefined && file !== undefined) {
    throw usageError(`Give --${flag} or --${flag}-file, not both.`);
  }
  let raw: string | undefined;
  if (value === '-' || file === '-') raw = await readStream(io.stdin);
  else if (file !== undefined) {
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliError(
        `Cannot read --${flag}-file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and permissions.`,
      );
    }
  } else raw = value;
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (trimmed.length === 0)
    throw usageError(`--${flag} is empty; give the secret itself, a file, or - for stdin.`);
  return trimmed;
}

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one command line in-process with its output captured: how the demo drives the real
 * commands and how tests check them. `run` is injected (runCli) so this module stays below the
 * program in the import graph.
 */
export async function captureRun(
  run: (argv: readonly string[], io: CliIo) => Promise<number>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stdinText = '',
): Promise<Captured> {
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
  stdin.end(stdinText);
  const code = await run(argv, { stdout, stderr, stdin, env });
  return { code, stdout: out, stderr: err };
}
