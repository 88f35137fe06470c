import { createRandom, type SeededRandom } from '../seeded-random.js';
import { ApiError } from './api-error.js';

export interface LimitOptions {
  readonly dailyLimit: number;
  readonly rateLimit: number | null;
  readonly rateWindowMs: number;
  readonly faultRate: number;
  readonly seed: number;
  readonly clock: { now(): number };
}

export type Fault = 'none' | 'server-error' | 'unavailable' | 'drop';

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

/**
 * The org's API allowance: DailyApiRequests counted over a rolling 24 hours (as Salesforce
 * does), an optional short rolling window for rate-limit tests, and seeded faults.
 */
export class ApiLimits {
  private readonly perMinute: [number, number][] = [];
  private total = 0;
  private readonly recent: number[] = [];
  private readonly faults: SeededRandom;

  constructor(private readonly options: LimitOptions) {
    this.faults = createRandom(options.seed).fork('faults');
  }

  get max(): number {
    return this.options.dailyLimit;
  }

  used(): number {
    this.prune();
    return this.total;
  }

  header(): string {
    return `api-usage=${this.used()}/${this.max}`;
  }

  /** Counts one API request, or refuses it when the allowance or the rate window is spent. */
  admit(): void {
    const now = this.options.clock.now();
    if (this.used() >= this.max) {
      throw new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    if (this.options.rateLimit !== null) {
      while (this.recent.length > 0 && this.recent[0]! <= now - this.options.rateWindowMs)
        this.recent.shift();
      if (this.recent.length >= this.options.rateLimit) {
        throw new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.');
      }
      this.recent.push(now);
    }
    const minute = Math.floor(now / MINUTE);
    const last = this.perMinute[this.perMinute.length - 1];
    if (last && last[0] === minute) last[1] += 1;
    else this.perMinute.push([minute, 1]);
    this.total += 1;
  }

  /** Test helper: pretend `n` requests were already made today. */
  spend(n: number): void {
    const minute = Math.floor(this.options.clock.now() / MINUTE);
    this.perMinute.push([minute, n]);
    this.total += n;
  }

  /** Draws whether this request fails, from a seeded stream so a run can be replayed. */
  nextFault(): Fault {
    if (this.options.faultRate <= 0) return 'none';
    if (this.faults.next() >= this.options.faultRate) return 'none';
    const u = this.faults.next();
    return u < 0.4 ? 'unavailable' : u < 0.7 ? 'server-error' : 'drop';
  }

  private prune(): void {
    const oldest = Math.floor(this.options.clock.now() / MINUTE) - DAY_MINUTES;
    while (this.perMinute.length > 0 && this.perMinute[0]![0] <= oldest) {
      this.total -= this.perMinute.shift()![1];
    }
  }
}
