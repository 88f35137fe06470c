/**
 * Runs one process and measures it alone: wall time and the kernel's peak RSS of that process
 * (not of the benchmark that started it, which also hosts the sandbox). The peak comes from
 * GNU time's `%M` (getrusage of the waited child, exact) when /usr/bin/time exists, else from
 * polling `/proc/<pid>/status` VmHWM every 50 ms (the high-water mark is monotonic, so polling
 * misses at most the last 50 ms of growth).
 *
 * The `_` prefix keeps `bench/run-all.ts` from running this file as a benchmark.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface MeasuredRun {
  readonly code: number | null;
  readonly wallMs: number;
  /** Peak resident set of the process alone, MiB; null when neither source answered. */
  readonly peakRssMb: number | null;
  readonly rssSource: 'gnu-time' | 'proc-vmhwm';
  readonly stdout: string;
  readonly stderr: string;
}

export interface MeasuredOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Copy the child's stderr to ours as it arrives (progress), besides keeping it. */
  readonly echoStderr?: boolean;
}

/** `VmHWM:   123456 kB` → 123456 (kB); null when the line is missing (e.g. a zombie). */
export function parseVmHwmKb(status: string): number | null {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : null;
}

/**
 * GNU time writes `%M` (max RSS in KiB) as the last line of its output file; a command killed by
 * a signal gets a "Command terminated by signal" line before it.
 */
export function parseGnuTimeKb(output: string): number | null {
  const last = output.trim().split('\n').at(-1)?.trim() ?? '';
  return /^\d+$/.test(last) ? Number(last) : null;
}

export function runMeasured(
  command: string,
  args: readonly string[],
  options: MeasuredOptions,
): Promise<MeasuredRun> {
  const useTime = existsSync(GNU_TIME);
  const dir = useTime ? mkdtempSync(join(tmpdir(), 'salesops-bench-rss-')) : null;
  const timeFile = dir ? join(dir, 'rss') : null;
  const [file, argv] =
    timeFile !== null ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]] : [command, [...args]];
  const started = performance.now();
  const child = spawn(file, argv, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (options.echoStderr) process.stderr.write(chunk);
  });
  let polledKb: number | null = null;
  const poll =
    timeFile === null
      ? setInterval(() => {
          try {
            const kb = parseVmHwmKb(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (kb !== null) polledKb = Math.max(polledKb ?? 0, kb);
          } catch {
            // The process has exited between two polls; the last reading stands.
          }
        }, 50)
      : null;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (poll) clearInterval(poll);
      let kb = polledKb;
      if (timeFile !== null) {
        kb = existsSync(timeFile) ? parseGnuTimeKb(readFileSync(timeFile, 'utf8')) : null;
        rmSync(dir as string, { recursive: true, force: true });
      }
      resolve({
        code,
        wallMs,
        peakRssMb: kb === null ? null : Math.round((kb / 1024) * 10) / 10,
        rssSource: timeFile !== null ? 'gnu-time' : 'proc-vmhwm',
        stdout,
        stderr,
      });
    });
  });
}
