import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CredentialKeyError,
  type KeyRing,
  keyId,
  open,
  type Sealed,
  seal,
} from '../../src/connections/credentials-cipher.js';

const current = randomBytes(32);
const previous = randomBytes(32);
const secret = JSON.stringify({
  method: 'private_app',
  accessToken: `pat-na1-${randomBytes(16).toString('hex')}`,
});

function ring(key: Buffer | null, old: readonly Buffer[] = []): KeyRing {
  return { current: key, previous: old };
}

/** The error open() throws; fails the test when it does not throw. */
function openError(keys: KeyRing, sealed: Sealed): CredentialKeyError {
  try {
    open(keys, sealed, 'credentials of connection "acme"');
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialKeyError);
    return error as CredentialKeyError;
  }
  throw new Error('open() returned plaintext where it should have refused');
}

/** Replaces one character of a base64url segment with a different valid one. */
function flip(segment: string, at: number): string {
  const c = segment[at] === 'A' ? 'B' : 'A';
  return segment.slice(0, at) + c + segment.slice(at + 1);
}

describe('credentials cipher', () => {
  it('round-trips, with a fresh IV each time and no plaintext in the sealed form', () => {
    const a = seal(ring(current), secret);
    const b = seal(ring(current), secret);
    expect(open(ring(current), a)).toBe(secret);
    expect(open(ring(current), b)).toBe(secret);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.keyId).toBe(keyId(current));
    expect(a.ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a.ciphertext).not.toContain('pat-na1');
    // The key id is a fingerprint, not the key.
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(current.toString('hex')).not.toContain(a.keyId);
  });

  it('round-trips unicode and empty strings', () => {
    for (const text of ['', 'pässwörd ✓ 日本', 'x'.repeat(10_000)]) {
      expect(open(ring(current), seal(ring(current), text))).toBe(text);
    }
  });

  it('detects tampering with the ciphertext, the IV, the tag and the key id', () => {
    const sealed = seal(ring(current), secret);
    const [version, iv, tag, body] = sealed.ciphertext.split('.') as [string, string, string, string];
    const tampered: Sealed[] = [
      { keyId: sealed.keyId, ciphertext: [version, iv, tag, flip(body, 3)].join('.') },
      { keyId: sealed.keyId, ciphertext: [version, flip(iv, 0), tag, body].join('.') },
      { keyId: sealed.keyId, ciphertext: [version, iv, flip(tag, 5), body].join('.') },
      { keyId: sealed.keyId, ciphertext: [version, iv, tag, body.slice(0, -2)].join('.') },
    ];
    for (const t of tampered) {
      expect(openError(ring(current), t).message).toMatch(/integrity check/);
    }
    // Re-labelling a ciphertext with another key's id fails: the id is authenticated data.
    const other = seal(ring(previous), secret);
    const relabelled = { keyId: sealed.keyId, ciphertext: other.ciphertext };
    expect(openError(ring(current, [previous]), relabelled).message).toMatch(/integrity check/);
  });

  it('refuses a value in an unknown format', () => {
    const sealed = seal(ring(current), secret);
    const error = openError(ring(current), { keyId: sealed.keyId, ciphertext: secret });
    expect(error.message).toMatch(/not in a format/);
    expect(error.message).not.toContain('pat-na1');
  });

  it('names the key id when the configured key is not the one that sealed', () => {
    const sealed = seal(ring(current), secret);
    const wrong = randomBytes(32);
    const error = openError(ring(wrong), sealed);
    expect(error.message).toContain(sealed.keyId);
    expect(error.message).toContain('different SALESOPS_SECRET_KEY');
    expect(error.message).toContain('SALESOPS_PREVIOUS_SECRET_KEYS');
    expect(error.message).toContain('connection "acme"');
  });

  it('opens values sealed under a previous key, and seals new ones under the current key', () => {
    const old = seal(ring(previous), secret);
    const rotated = ring(current, [previous]);
    expect(open(rotated, old)).toBe(secret);
    expect(seal(rotated, secret).keyId).toBe(keyId(current));
    // A previous key alone (current unset) still opens: rotation can happen in either order.
    expect(open(ring(null, [previous]), old)).toBe(secret);
  });

  it('refuses without a key: sealing and opening both throw, never fall back to plaintext', () => {
    expect(() => seal(ring(null), secret)).toThrow(CredentialKeyError);
    expect(() => seal(ring(null), secret)).toThrow(/SALESOPS_SECRET_KEY is not set/);
    const sealed = seal(ring(current), secret);
    const error = openError(ring(null), sealed);
    expect(error.message).toMatch(/SALESOPS_SECRET_KEY is not set/);
  });
});
