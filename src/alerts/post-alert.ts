import type { AlertMessage } from './alert-message.js';

/**
 * One message to one webhook, retried with exponential backoff. Network errors, timeouts, 429
 * and 5xx answers are retried; any other 4xx means the URL or the message is wrong and retrying
 * would not help. The fetch and the sleeper are injected so tests count attempts without
 * waiting; a receiver that never answers costs at most `attempts × timeoutMs` plus the pauses,
 * and only to the alert job (never to a sync).
 */
export interface DeliveryPolicy {
  readonly attempts: number;
  /** The pause before the second attempt; each later pause doubles. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How long one attempt waits for an answer. */
  readonly timeoutMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  attempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  timeoutMs: 10_000,
};

export interface DeliveryIo {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
}

export const realDeliveryIo: DeliveryIo = {
  fetch: (input, init) => fetch(input, init),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface DeliveryResult {
  readonly delivered: boolean;
  readonly attempts: number;
  /** The last failure, in words ("HTTP 500", "no answer within 10 s"). */
  readonly error: string | null;
  /** Pauses taken between attempts, in ms (the backoff actually applied). */
  readonly pausesMs: readonly number[];
}

export function backoffMs(policy: DeliveryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
}

export async function postAlert(
  url: string,
  message: AlertMessage,
  io: DeliveryIo = realDeliveryIo,
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): Promise<DeliveryResult> {
  const pausesMs: number[] = [];
  let error: string | null = null;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) {
      const pause = backoffMs(policy, attempt - 1);
      pausesMs.push(pause);
      await io.sleep(pause);
    }
    try {
      const response = await io.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      // The body is not needed, but reading it lets the connection be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { delivered: true, attempts: attempt, error: null, pausesMs };
      error = `HTTP ${response.status}`;
      if (response.status !== 429 && response.status < 500) {
        return { delivered: false, attempts: attempt, error: `${error} (not retried)`, pausesMs };
      }
    } catch (cause) {
      const name = (cause as Error).name;
      error =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${policy.timeoutMs / 1000} s`
          : (cause as Error).message;
    }
  }
  return { delivered: false, attempts: policy.attempts, error, pausesMs };
}
