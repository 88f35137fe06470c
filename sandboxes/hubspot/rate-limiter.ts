/**
 * HubSpot's request limits: a rolling ten-second window (not a fixed one: a connector that
 * bursts at a window boundary must be caught), a daily allowance that resets at midnight in the
 * portal's time zone, and the search endpoints' own per-second limit.
 */
import { DateTime } from 'luxon';
import { type HttpError, rateLimited } from './hubspot-errors.js';

export interface RateLimitOptions {
  readonly rateLimit?: number;
  readonly searchRateLimit?: number;
  readonly dailyLimit?: number;
  readonly timeZone: string;
}

export interface RateDecision {
  readonly error: HttpError | null;
  readonly headers: Readonly<Record<string, string>>;
}

const WINDOW_MS = 10_000;
const SEARCH_WINDOW_MS = 1_000;

/** Timestamps of accepted requests, oldest first, trimmed as the window rolls. */
class RollingWindow {
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  count(now: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= now - this.windowMs) this.head++;
    if (this.head > 4096) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

export class RateLimiter {
  private readonly tenSecondly: RollingWindow | null;
  private readonly search: RollingWindow | null;
  private dailyUsed = 0;
  private dailyKey = '';

  constructor(private readonly options: RateLimitOptions) {
    this.tenSecondly =
      options.rateLimit !== undefined ? new RollingWindow(options.rateLimit, WINDOW_MS) : null;
    const searchLimit = options.searchRateLimit ?? (options.rateLimit !== undefined ? 5 : undefined);
    this.search = searchLimit !== undefined ? new RollingWindow(searchLimit, SEARCH_WINDOW_MS) : null;
  }

  /**
   * Decides one request. Search requests count against the daily allowance and their own
   * per-second window, not the ten-second one, and never carry rate-limit headers.
   */
  admit(now: number, isSearch: boolean): RateDecision {
    const dailyLimit = this.options.dailyLimit;
    const day = DateTime.fromMillis(now, { zone: this.options.timeZone }).toISODate() ?? '';
    if (day !== this.dailyKey) {
      this.dailyKey = day;
      this.dailyUsed = 0;
    }
    const headers: Record<string, string> = {};
    const window = isSearch ? this.search : this.tenSecondly;
    const used = window ? window.count(now) : 0;
    const dailyExhausted = dailyLimit !== undefined && this.dailyUsed >= dailyLimit;
    const windowExhausted = window !== null && used >= window.limit;
    if (!isSearch) {
      if (this.tenSecondly) {
        headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(WINDOW_MS);
        headers['X-HubSpot-RateLimit-Max'] = String(this.tenSecondly.limit);
        headers['X-HubSpot-RateLimit-Remaining'] = String(
          Math.max(0, this.tenSecondly.limit - used - (windowExhausted || dailyExhausted ? 0 : 1)),
        );
      }
      if (dailyLimit !== undefined) {
        headers['X-HubSpot-RateLimit-Daily'] = String(dailyLimit);
        headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(
          Math.max(0, dailyLimit - this.dailyUsed - (windowExhausted || dailyExhausted ? 0 : 1)),
        );
      }
    }
    if (dailyExhausted) return { error: rateLimited('DAILY'), headers };
    if (windowExhausted)
      return { error: rateLimited(isSearch ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING'), headers };
    window?.add(now);
    this.dailyUsed++;
    return { error: null, headers };
  }
}
