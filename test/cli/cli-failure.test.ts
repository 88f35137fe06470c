import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectorError } from '../../connectors/connector-error.js';
import { CalendarInputError } from '../../src/calendar/calendar-input-error.js';
import { CliError, ExitCode } from '../../src/cli/cli-error.js';
import { cliFailure } from '../../src/cli/cli-failure.js';
import { ConfigError } from '../../src/config.js';
import { ConnectionNotFoundError, DuplicateConnectionError } from '../../src/connections/connection-store.js';
import { CredentialKeyError } from '../../src/connections/credentials-cipher.js';
import { UnsupportedConnectorError } from '../../src/connections/unsupported-connector-error.js';
import { MigrationError } from '../../src/migrate.js';
import { ServiceUnavailableError } from '../../src/service-check.js';

/** The CLI's one error mapping: what each kind of failure prints and exits with (DESIGN.md §7). */
describe('cliFailure', () => {
  it('shows a domain error as its own sentence: exit 2 for wrong input, 1 otherwise', async () => {
    for (const error of [
      new CredentialKeyError('The key is wrong.'),
      new ConnectionNotFoundError('acme'),
      new DuplicateConnectionError('acme'),
      new ServiceUnavailableError('Redis does not answer.'),
      new MigrationError('A migration failed.'),
      new UnsupportedConnectorError('This build cannot sync pipedrive connections yet.'),
      new ConnectorError('auth', 'The CRM refused the token.'),
    ]) {
      expect(await cliFailure(error)).toEqual({
        exitCode: ExitCode.failed,
        line: `error: ${error.message}\n`,
        unexpected: false,
      });
    }
    const config = new ConfigError(['DATABASE_URL is missing']);
    expect(await cliFailure(config)).toEqual({
      exitCode: ExitCode.usage,
      line: `error: ${config.message}\n`,
      unexpected: false,
    });
  });

  it('words the CLI-specific cases itself: a calendar input names its flag, zod lists its issues', async () => {
    expect((await cliFailure(new CalendarInputError('period', 'Q5', 'a quarter such as 2026-Q4'))).line).toBe(
      'error: --period expects a quarter such as 2026-Q4, not "Q5".\n',
    );
    const zod = z.object({ n: z.number() }).safeParse({ n: 'x' }).error;
    const failure = await cliFailure(zod);
    expect(failure.exitCode).toBe(ExitCode.usage);
    expect(failure.line).toMatch(/^error: invalid input \(n: .+\); check the values and run again\.\n$/);
    expect(await cliFailure(new CliError('Deferred.', ExitCode.deferred))).toEqual({
      exitCode: ExitCode.deferred,
      line: 'error: Deferred.\n',
      unexpected: false,
    });
  });

  it('marks anything else unexpected, to be logged', async () => {
    const failure = await cliFailure(new TypeError('x is undefined'));
    expect(failure).toMatchObject({ exitCode: ExitCode.failed, unexpected: true });
    expect(failure.line).toContain('unexpected failure (x is undefined)');
  });
});
