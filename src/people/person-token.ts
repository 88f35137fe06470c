import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Personal tokens: `sos_` and 32 random bytes in base64url (43 characters). Only the sha256 is
 * stored; the prefix lets secret scanners and people recognise one.
 */
export const TOKEN_PREFIX = 'sos_';
const TOKEN_SHAPE = /^sos_[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** sha256 hex of the token as typed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Could this be a token at all? A malformed one is refused without touching the database. */
export function looksLikeToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Constant-time comparison of two sha256 hex digests. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  if (x.length !== 32 || y.length !== 32) return false;
  return timingSafeEqual(x, y);
}
