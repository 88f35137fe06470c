import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectorError } from '../../connectors/connector-error.js';
import { ConnectionNotFoundError } from '../../src/connections/connection-store.js';
import { CredentialKeyError } from '../../src/connections/credentials-cipher.js';
import { UnsupportedConnectorError } from '../../src/connections/unsupported-connector-error.js';
import { classifyError } from '../../workers/errors.js';

describe('error policy (workers/errors.ts)', () => {
  it.each([
    [
      new ConnectorError('rate_limited', 'slow down', { retryAfterMs: 1500 }),
      { kind: 'wait', delayMs: 1500 },
    ],
    // No Retry-After: wait a conservative 10 s rather than hammer the API.
    [new ConnectorError('rate_limited', 'slow down'), { kind: 'wait', delayMs: 10_000 }],
    [new ConnectorError('transient', '502'), { kind: 'retry' }],
    [new ConnectorError('deferred', 'daily allowance'), { kind: 'defer' }],
    [new ConnectorError('auth', 'token revoked'), { kind: 'fail' }],
    [new ConnectorError('invalid_request', 'bad filter'), { kind: 'fail' }],
    [new ConnectorError('not_found', 'gone'), { kind: 'fail' }],
    [new Error('socket hang up'), { kind: 'retry' }],
    [new CredentialKeyError('wrong key'), { kind: 'fail' }],
    [new ConnectionNotFoundError('x'), { kind: 'fail' }],
    [new UnsupportedConnectorError('no'), { kind: 'fail' }],
    [z.object({ a: z.string() }).safeParse({}).error, { kind: 'fail' }],
  ])('%s → %o', (error, action) => {
    expect(classifyError(error)).toEqual(action);
  });
});
