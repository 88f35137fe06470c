import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A connected app's JWT credentials as an admin makes them: an RSA key and a self-signed X.509
 * certificate (openssl, as Salesforce's own set-up guide does). The certificate is what the
 * sandbox registers; the key is what the connection stores.
 */
export interface JwtCredentials {
  readonly privateKey: string;
  readonly certificate: string;
}

export function makeJwtCredentials(commonName = 'salesops-test'): JwtCredentials {
  const dir = mkdtempSync(join(tmpdir(), 'salesops-jwt-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      privateKey: readFileSync(join(dir, 'key.pem'), 'utf8'),
      certificate: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The connected app every harness sandbox registers; its key signs the harness's JWT connections. */
export const TEST_JWT = makeJwtCredentials();
