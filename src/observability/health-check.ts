/**
 * /healthz: does each service answer a ping within the timeout? The probes are injected, so
 * the worker and `serve` check the connections they already hold.
 */
export type ServiceName = 'postgres' | 'redis';

export interface HealthProbes {
  readonly postgres: () => Promise<unknown>;
  readonly redis: () => Promise<unknown>;
}

export interface HealthResult {
  readonly status: 200 | 503;
  readonly body: Readonly<Record<ServiceName, string>>;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

async function probe(ping: () => Promise<unknown>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      ping().then(
        () => 'ok',
        (error: unknown) => (error instanceof Error ? error.message : String(error)) || 'failed',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(
  probes: HealthProbes,
  timeoutMs = DEFAULT_HEALTH_TIMEOUT_MS,
): Promise<HealthResult> {
  const [postgres, redis] = await Promise.all([
    probe(probes.postgres, timeoutMs),
    probe(probes.redis, timeoutMs),
  ]);
  return { status: postgres === 'ok' && redis === 'ok' ? 200 : 503, body: { postgres, redis } };
}
