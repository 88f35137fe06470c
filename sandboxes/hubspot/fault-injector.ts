/**
 * Seeded infrastructure faults: the same seed and request order give the same faults, so a
 * test that survives them can be replayed exactly.
 */
import { createRandom, type SeededRandom } from '../seeded-random.js';

export type Fault = 'http500' | 'http502' | 'http503' | 'drop' | 'truncate';

const FAULTS: readonly Fault[] = ['http500', 'http502', 'http503', 'drop', 'truncate'];

export class FaultInjector {
  private readonly rng: SeededRandom;

  constructor(
    seed: number,
    private readonly rate: number,
  ) {
    this.rng = createRandom(seed).fork('faults');
  }

  /** Null for a healthy request; draws nothing when the rate is 0, so rates never shift data. */
  next(): Fault | null {
    if (this.rate <= 0) return null;
    if (!this.rng.chance(this.rate)) return null;
    return this.rng.pick(FAULTS);
  }
}

/** Cloudflare answers 502/503 with HTML when HubSpot's origin is unhealthy. */
export function faultBody(
  fault: 'http500' | 'http502' | 'http503',
  correlationId: string,
): {
  status: number;
  contentType: string;
  body: string;
} {
  if (fault === 'http500') {
    return {
      status: 500,
      contentType: 'application/json;charset=utf-8',
      body: JSON.stringify({
        status: 'error',
        message: 'internal error',
        correlationId,
        category: 'INTERNAL_ERROR',
      }),
    };
  }
  const status = fault === 'http502' ? 502 : 503;
  const title = status === 502 ? '502 Bad Gateway' : '503 Service Temporarily Unavailable';
  return {
    status,
    contentType: 'text/html',
    body: `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>cloudflare</center></body></html>`,
  };
}
