import jsforce from 'jsforce';
import {
  type SalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../../sandboxes/salesforce/index.js';

/** A hand-driven clock: tests move time instead of sleeping. */
export function manualClock(start = Date.UTC(2026, 2, 15, 12)) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export const ORG_NOW = new Date('2026-03-15T12:00:00Z');

export async function start(options: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  return startSalesforceSandbox({ deals: 50, now: ORG_NOW, ...options });
}

export function connect(sandbox: SalesforceSandbox): jsforce.Connection {
  return new jsforce.Connection({
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    version: '62.0',
  });
}

/** jsforce rejects with an Error carrying Salesforce's errorCode; return it for assertions. */
export async function failure(
  promise: PromiseLike<unknown>,
): Promise<{ errorCode?: string; message: string; name: string }> {
  try {
    await promise;
  } catch (e) {
    return e as { errorCode?: string; message: string; name: string };
  }
  throw new Error('expected the call to fail');
}

export const queryMoreOptions = (batchSize?: number) => ({
  headers: (batchSize ? { 'Sforce-Query-Options': `batchSize=${batchSize}` } : {}) as Record<string, string>,
  maxFetch: 10_000,
  autoFetch: false,
  scanAll: false,
  responseTarget: 'QueryResult' as const,
});
