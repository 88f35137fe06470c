/**
 * `npm run bench`: runs every benchmark in this folder, one child process each (so one's peak
 * memory never colours another's), and prints one JSON document: { name: result }.
 * `npm run bench -- metrics forecast` runs only the named ones.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run-all.ts' && !file.startsWith('_'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`error: unknown benchmark(s) ${unknown.join(', ')}; choose from ${all.join(', ')}.\n`);
  process.exit(2);
}

const results: Record<string, unknown> = {};
let failed = false;
for (const name of wanted.length > 0 ? wanted : all) {
  process.stderr.write(`bench ${name}…\n`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', `${here}${name}.ts`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = parseDocuments(run.stdout);
  if (run.status !== 0 || parsed.length === 0) {
    failed = true;
    results[name] = { error: `exit ${run.status}`, wallMs: Date.now() - started };
    continue;
  }
  results[name] = parsed.length === 1 ? parsed[0] : parsed;
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

/** A benchmark prints one JSON document (pretty or not) or one per line. */
function parseDocuments(stdout: string): unknown[] {
  const text = stdout.trim();
  try {
    return [JSON.parse(text) as unknown];
  } catch {
    return text
      .split('\n')
      .filter((line) => line.startsWith('{') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as unknown);
  }
}
process.exit(failed ? 1 : 0);
