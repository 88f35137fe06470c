/**
 * The per-CRM-account request budget (DESIGN.md §3), shared by every process through Redis.
 *
 * Each bucket of an account is a sorted-set log of grant times in Redis; one Lua script trims
 * entries older than the window, counts, and either logs the new request or says how long
 * until the oldest blocking entry leaves. That holds "at most N in ANY rolling window" exactly,
 * where a fixed-window counter lets 2N through across a boundary. The vendor's own headers
 * correct the log (`observe`), and a vendor limit that differs from the configured tier is
 * stored in Redis so every process adopts it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, CrmKind, RequestBudget } from './connector.js';
import { ConnectorError } from './connector-error.js';
import { ACQUIRE_LUA, INSPECT_LUA, OBSERVE_LUA, type RedisLike, runScript } from './rate-budget-script.js';

export type { RedisLike } from './rate-budget-script.js';

export type BucketName = 'default' | 'search';

export interface BucketSpec {
  /** N: requests the vendor allows in any rolling window of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /**
   * Added to the window on our side. Under saturation each grant is released the instant an
   * old one leaves the window; if the old request took longer to reach the vendor than the
   * new one, the vendor sees N+1 in its window. Padding by the latency spread absorbs that.
   */
  readonly padMs?: number;
}

export interface BudgetBuckets {
  readonly default: BucketSpec;
  /** Without it, `search` requests draw on `default` (Salesforce has no separate search limit). */
  readonly search?: BucketSpec;
}

export interface RateBudgetOptions {
  readonly redis: RedisLike;
  /** Must contain a Redis Cluster hash tag, e.g. `{salesops}`, so one script's keys share a slot. */
  readonly prefix?: string;
  readonly account: { readonly kind: CrmKind; readonly accountId: string };
  readonly buckets: BudgetBuckets;
  /** Only `sleep` is used; inject a fake to test waiting without real time. */
  readonly clock?: Pick<Clock, 'sleep'>;
  /**
   * Fraction of N held back for callers we do not see (default 0.02, rounded down to whole
   * requests: 190 → 187, 100 → 98, 20 → 20, 5 → 5). Small budgets keep all of N because one
   * request is already more than the margin; latency is covered by `padMs` instead.
   */
  readonly reserve?: number;
  /** Upper bound of the random extra wait added to each sleep, so waiters do not wake as a herd. */
  readonly jitterMs?: number;
  /** Default for `acquire`'s `maxWaitMs`. */
  readonly maxWaitMs?: number;
  /** How long an adopted vendor limit lives without being confirmed again (default 1 day). */
  readonly adoptedLimitTtlMs?: number;
  /**
   * Told before each sleep, so whoever watches the run (the progress line of `sync`) can say the
   * sync is waiting for the vendor's window rather than stuck. Must not throw.
   */
  readonly onWait?: (wait: BudgetWait) => void;
}

/** One sleep of `acquire`: which bucket, for how long, and the window it waits on. */
export interface BudgetWait {
  readonly bucket: BucketName;
  readonly waitMs: number;
  readonly limit: number;
  readonly windowMs: number;
  readonly inWindow: number;
}

export interface AcquireOptions {
  readonly signal?: AbortSignal;
  /** Total waiting allowed; when the budget needs longer, `acquire` throws `rate_limited` at once. */
  readonly maxWaitMs?: number;
}

export interface Grant {
  /** Redis server time of the grant, epoch ms with µs fraction: the instant the log recorded. */
  readonly at: number;
  /** Requests in the window including this one. */
  readonly inWindow: number;
  /** Time spent sleeping for it (sum of requested sleeps, so a fake clock reports it too). */
  readonly waitedMs: number;
}

export type TryAcquireResult =
  | ({ readonly granted: true } & Omit<Grant, 'waitedMs'>)
  | { readonly granted: false; readonly waitMs: number; readonly inWindow: number };

export interface BudgetState {
  readonly inWindow: number;
  /** Limit in force: the vendor's if one was adopted, otherwise the configured one. */
  readonly limit: number;
  /** `limit` less the reserve: what acquire actually grants per window. */
  readonly effectiveLimit: number;
  readonly serverTime: number;
}

export interface RateBudget extends RequestBudget {
  acquire(bucket?: BucketName, options?: AcquireOptions): Promise<void>;
  /** `acquire`, reporting when and after how long the request was granted. */
  acquireGrant(bucket?: BucketName, options?: AcquireOptions): Promise<Grant>;
  /** One attempt, no waiting. */
  tryAcquire(bucket?: BucketName): Promise<TryAcquireResult>;
  inspect(bucket?: BucketName): Promise<BudgetState>;
}

export const DEFAULT_PREFIX = '{salesops}';
const DEFAULT_RESERVE = 0.02;
const DEFAULT_JITTER_MS = 10;
// Several HubSpot windows: anything longer means the budget is stuck or mis-set, not busy.
const DEFAULT_MAX_WAIT_MS = 60_000;
const DEFAULT_ADOPTED_LIMIT_TTL_MS = 24 * 60 * 60 * 1000;

/** HubSpot per-portal burst limits (DESIGN.md §3). Private apps follow the portal's tier. */
export const HUBSPOT_TIERS = {
  free: { limit: 100, windowMs: 10_000 },
  starter: { limit: 100, windowMs: 10_000 },
  professional: { limit: 190, windowMs: 10_000 },
  enterprise: { limit: 190, windowMs: 10_000 },
  oauth_app: { limit: 110, windowMs: 10_000 },
} as const satisfies Readonly<Record<string, BucketSpec>>;

export type HubSpotTier = keyof typeof HUBSPOT_TIERS;

/** CRM search endpoints: 5 requests per second per portal, whatever the tier. */
export const HUBSPOT_SEARCH = { limit: 5, windowMs: 1000 } as const satisfies BucketSpec;

// 100 ms is 1% of a 10-s window and covers the latency spread we see to api.hubapi.com; on the
// 1-s search window the same spread costs 5%, which is cheaper than search 429s.
const HUBSPOT_PAD_MS = 100;
const HUBSPOT_SEARCH_PAD_MS = 50;

export function hubspotBudgetSpec(tier: HubSpotTier): BudgetBuckets {
  return {
    default: { ...HUBSPOT_TIERS[tier], padMs: HUBSPOT_PAD_MS },
    search: { ...HUBSPOT_SEARCH, padMs: HUBSPOT_SEARCH_PAD_MS },
  };
}

/**
 * Salesforce has no short-window request limit: its constraints are the rolling 24-h API
 * allowance (read from `Sforce-Limit-Info` and enforced by the pull stage's reserve, not here)
 * and 25 concurrent long-running requests per production org. 25 per second keeps one org's
 * sync from burning the daily allowance in a burst while staying near that concurrency ceiling,
 * and is far above what a paged sync (one 2,000-record page per request) needs. Do not feed
 * `Sforce-Limit-Info` to `observe`: it counts a day, not this window.
 */
export const SALESFORCE_BUDGET_SPEC: BudgetBuckets = {
  default: { limit: 25, windowMs: 1000 },
};

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1;
}

function checkSpec(name: string, spec: BucketSpec): void {
  if (!Number.isInteger(spec.limit) || spec.limit < 1) {
    throw new RangeError(`budget ${name}: limit must be a positive integer, got ${spec.limit}`);
  }
  if (!Number.isInteger(spec.windowMs) || spec.windowMs < 1) {
    throw new RangeError(`budget ${name}: windowMs must be a positive integer, got ${spec.windowMs}`);
  }
  if (spec.padMs !== undefined && (!Number.isInteger(spec.padMs) || spec.padMs < 0)) {
    throw new RangeError(`budget ${name}: padMs must be a non-negative integer, got ${spec.padMs}`);
  }
}

function isCount(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value) && value >= 0;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

function sleepUnlessAborted(sleep: (ms: number) => Promise<void>, ms: number, signal?: AbortSignal) {
  if (signal === undefined) return sleep(ms);
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    sleep(ms).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function createRateBudget(options: RateBudgetOptions): RateBudget {
  const { redis, account, buckets } = options;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (!hasHashTag(prefix)) {
    throw new Error(`rate budget prefix "${prefix}" needs a hash tag like {salesops} for Redis Cluster`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(account.accountId)) {
    throw new Error(`rate budget: unusable account id "${account.accountId}"`);
  }
  checkSpec('default', buckets.default);
  if (buckets.search !== undefined) checkSpec('search', buckets.search);
  const reserve = options.reserve ?? DEFAULT_RESERVE;
  if (!(reserve >= 0 && reserve < 1)) throw new RangeError(`rate budget: reserve must be in [0, 1)`);
  const reservePermille = Math.round(reserve * 1000);
  const sleep = options.clock?.sleep ?? realSleep;
  const jitterMs = options.jitterMs ?? DEFAULT_JITTER_MS;
  const defaultMaxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const adoptedTtlMs = options.adoptedLimitTtlMs ?? DEFAULT_ADOPTED_LIMIT_TTL_MS;

  const resolve = (bucket: BucketName = 'default') => {
    // A CRM without a search limit counts search requests against its general budget.
    const name: BucketName = bucket === 'search' && buckets.search !== undefined ? 'search' : 'default';
    const spec = name === 'search' && buckets.search !== undefined ? buckets.search : buckets.default;
    const base = `${prefix}:budget:${account.kind}:${account.accountId}:${name}`;
    return {
      name,
      spec,
      keys: [base, `${base}:limit`] as const,
      windowUs: (spec.windowMs + (spec.padMs ?? 0)) * 1000,
    };
  };

  const tryAcquire = async (bucket?: BucketName): Promise<TryAcquireResult> => {
    const b = resolve(bucket);
    const [granted, value, inWindow] = await runScript(redis, ACQUIRE_LUA, b.keys, [
      b.spec.limit,
      b.windowUs,
      reservePermille,
      randomUUID(),
    ]);
    if (granted === 1) return { granted: true, at: (value ?? 0) / 1000, inWindow: inWindow ?? 0 };
    return { granted: false, waitMs: Math.max(1, Math.ceil((value ?? 0) / 1000)), inWindow: inWindow ?? 0 };
  };

  const acquireGrant = async (bucket?: BucketName, opts: AcquireOptions = {}): Promise<Grant> => {
    const maxWaitMs = opts.maxWaitMs ?? defaultMaxWaitMs;
    let waitedMs = 0;
    for (;;) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      const attempt = await tryAcquire(bucket);
      if (attempt.granted) return { at: attempt.at, inWindow: attempt.inWindow, waitedMs };
      if (waitedMs + attempt.waitMs > maxWaitMs) {
        const b = resolve(bucket);
        throw new ConnectorError(
          'rate_limited',
          `rate budget for ${account.kind} ${account.accountId} (${b.name}) needs ${attempt.waitMs} ms more ` +
            `after ${waitedMs} ms; max wait is ${maxWaitMs} ms`,
          { retryAfterMs: attempt.waitMs },
        );
      }
      const ms = attempt.waitMs + Math.floor(Math.random() * (jitterMs + 1));
      if (options.onWait) {
        const b = resolve(bucket);
        options.onWait({
          bucket: b.name,
          waitMs: ms,
          limit: b.spec.limit,
          windowMs: b.spec.windowMs,
          inWindow: attempt.inWindow,
        });
      }
      await sleepUnlessAborted(sleep, ms, opts.signal);
      waitedMs += ms;
    }
  };

  const observe: RateBudget['observe'] = async (signal) => {
    const limit = isCount(signal.limit) && signal.limit > 0 ? signal.limit : undefined;
    const remaining = isCount(signal.remaining) ? signal.remaining : undefined;
    if (limit === undefined && remaining === undefined) return;
    const b = resolve(signal.bucket);
    await runScript(redis, OBSERVE_LUA, b.keys, [
      b.spec.limit,
      b.windowUs,
      limit === undefined ? '' : String(limit),
      remaining === undefined ? '' : String(remaining),
      adoptedTtlMs,
      randomUUID(),
    ]);
  };

  const inspect = async (bucket?: BucketName): Promise<BudgetState> => {
    const b = resolve(bucket);
    const [inWindow, limit, effectiveLimit, serverTime] = await runScript(redis, INSPECT_LUA, b.keys, [
      b.spec.limit,
      b.windowUs,
      reservePermille,
    ]);
    return {
      inWindow: inWindow ?? 0,
      limit: limit ?? b.spec.limit,
      effectiveLimit: effectiveLimit ?? b.spec.limit,
      serverTime: (serverTime ?? 0) / 1000,
    };
  };

  const acquire = async (bucket?: BucketName, opts?: AcquireOptions): Promise<void> => {
    await acquireGrant(bucket, opts);
  };

  return { acquire, acquireGrant, tryAcquire, observe, inspect };
}
