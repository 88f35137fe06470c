/**
 * The narrow interface the workers and the connector wiring count through. It names what
 * happened, never how it is exported, so nothing but this folder imports prom-client and a
 * process that serves no /metrics passes `noSyncMetrics`.
 */
export type JobOutcome = 'succeeded' | 'waited' | 'deferred' | 'failed' | 'retried';
export type BudgetBucket = 'default' | 'search';

export interface SyncMetrics {
  /** One stage job ended this way; `seconds` is how long the stage ran. */
  stageDone(stage: string, outcome: JobOutcome, seconds: number): void;
  /** One HTTP request to the CRM, and whether the CRM answered 429. */
  crmRequest(connection: string, rateLimited: boolean): void;
  /** What the CRM's own headers said is left in its window. */
  budgetRemaining(connection: string, bucket: BudgetBucket, remaining: number): void;
  recordsPulled(connection: string, object: string, count: number): void;
  recordsPushed(connection: string, count: number): void;
}

export const noSyncMetrics: SyncMetrics = {
  stageDone: () => {},
  crmRequest: () => {},
  budgetRemaining: () => {},
  recordsPulled: () => {},
  recordsPushed: () => {},
};

/**
 * Wraps a connector's fetch so every request it sends is counted, 429s apart. Counting here,
 * at the one door every connector's traffic passes, includes token refreshes and the requests
 * a connector retries itself, which the budget's own log would also see.
 */
export function countingFetch(
  fetch: typeof globalThis.fetch,
  metrics: SyncMetrics,
  connection: string,
): typeof globalThis.fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      metrics.crmRequest(connection, false);
      throw error;
    }
    metrics.crmRequest(connection, response.status === 429);
    return response;
  };
}
