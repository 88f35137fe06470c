import type { CsvProblem } from '../imports/csv-import.js';
import { CliError } from './cli-error.js';

/**
 * How the command line refuses a file with bad rows (none applied). It lives in cli/ because it
 * names a flag: the imports themselves only report the problems, and each surface says what a
 * person can do about them.
 */
export function refusal(file: string, problems: readonly CsvProblem[]): CliError {
  const list = problems.map((p) => `  line ${p.line}: ${p.reason}`).join('\n');
  return new CliError(
    `${file} has ${problems.length} invalid row(s), so nothing was imported; fix them or rerun with --skip-invalid:\n${list}`,
  );
}
