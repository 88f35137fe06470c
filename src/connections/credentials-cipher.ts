import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain-error.js';

/**
 * Credentials at rest: AES-256-GCM under SALESOPS_SECRET_KEY. Each sealed value carries the id
 * of the key that sealed it (a fingerprint, not the key), so keys can rotate: the current key
 * seals, the current and previous keys open. There is no plaintext fallback, ever.
 */
export interface KeyRing {
  readonly current: Buffer | null;
  readonly previous: readonly Buffer[];
}

export interface Sealed {
  readonly keyId: string;
  readonly ciphertext: string;
}

export class CredentialKeyError extends DomainError {
  override readonly name = 'CredentialKeyError';
}

/** A short public fingerprint of a key; safe to store and to log. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('salesops-key-id:').update(key).digest('hex').slice(0, 16);
}

export function seal(ring: KeyRing, plaintext: string): Sealed {
  if (!ring.current) {
    throw new CredentialKeyError(
      'SALESOPS_SECRET_KEY is not set; set it to 32 random bytes (`openssl rand -base64 32`) so credentials can be encrypted.',
    );
  }
  const iv = randomBytes(12);
  const id = keyId(ring.current);
  const cipher = createCipheriv('aes-256-gcm', ring.current, iv);
  // The key id is authenticated data: a ciphertext cannot be re-labelled as another key's.
  cipher.setAAD(Buffer.from(id));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    keyId: id,
    ciphertext: ['v1', iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
      '.',
    ),
  };
}

export function open(ring: KeyRing, sealed: Sealed, what = 'stored credentials'): string {
  const keys = [ring.current, ...ring.previous].filter((key): key is Buffer => key !== null);
  if (keys.length === 0) {
    throw new CredentialKeyError(
      `SALESOPS_SECRET_KEY is not set, so the ${what} cannot be decrypted; set it to the key they were saved with.`,
    );
  }
  const key = keys.find((candidate) => keyId(candidate) === sealed.keyId);
  if (!key) {
    throw new CredentialKeyError(
      `The ${what} were encrypted with a different SALESOPS_SECRET_KEY (key id ${sealed.keyId}); set the original key, or list it in SALESOPS_PREVIOUS_SECRET_KEYS.`,
    );
  }
  const [version, iv, tag, body] = sealed.ciphertext.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) {
    throw new CredentialKeyError(
      `The ${what} are not in a format this version can read; add the connection again.`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(sealed.keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new CredentialKeyError(
      `The ${what} failed their integrity check (wrong key or tampered data); set the key they were saved with, or add the connection again.`,
    );
  }
}
