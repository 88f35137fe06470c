import { createHmac } from 'node:crypto';
import { createRandom, type SeededRandom } from '../seeded-random.js';

interface Session {
  readonly userId: string;
  readonly expiresAt: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Access and refresh tokens. Tokens look like Salesforce's (`00D...!AQ...`): never three
 * dot-separated parts, or jsforce would take them for JWTs and refuse the SOAP API.
 */
export class Sessions {
  private readonly access = new Map<string, Session>();
  private readonly refresh = new Map<string, string>();
  private readonly rnd: SeededRandom;

  constructor(
    private readonly orgId: string,
    private readonly ttlMs: number,
    private readonly clock: { now(): number },
    seed: number,
  ) {
    this.rnd = createRandom(seed).fork('tokens');
  }

  private token(len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) s += ALPHABET[this.rnd.int(0, ALPHABET.length - 1)];
    return s;
  }

  issueAccess(userId: string): { token: string; issuedAt: number } {
    const token = `${this.orgId.slice(0, 15)}!AQ${this.token(96)}`;
    const issuedAt = this.clock.now();
    this.access.set(token, { userId, expiresAt: issuedAt + this.ttlMs });
    return { token, issuedAt };
  }

  issueRefresh(userId: string): string {
    const token = `5Aep861${this.token(80)}`;
    this.refresh.set(token, userId);
    return token;
  }

  /** The user a live access token belongs to, or undefined when it is unknown or expired. */
  userOf(token: string): string | undefined {
    const s = this.access.get(token);
    if (!s) return undefined;
    if (this.clock.now() >= s.expiresAt) {
      this.access.delete(token);
      return undefined;
    }
    return s.userId;
  }

  refreshUser(token: string): string | undefined {
    return this.refresh.get(token);
  }

  revoke(token: string): void {
    this.access.delete(token);
    this.refresh.delete(token);
  }

  expireAll(): void {
    this.access.clear();
  }

  /** Salesforce signs `id + issued_at` with the client secret (HMAC-SHA256, base64). */
  static signature(id: string, issuedAt: number, secret: string): string {
    return createHmac('sha256', secret).update(`${id}${issuedAt}`).digest('base64');
  }
}
