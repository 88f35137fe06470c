import pg from 'pg';

/**
 * One connection is synced by at most one worker at a time (DESIGN.md §1). BullMQ re-runs a job
 * whose lock lapsed, so job deduplication is not a lock: a session-level Postgres advisory lock
 * is. It lives on a dedicated client; if that session dies with its worker, Postgres releases
 * the lock at once, and if the client loses its server the holder is told through `signal`.
 */
export interface ConnectionLock {
  /** Aborted when the lock can no longer be trusted (the session failed). */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/** Two-key advisory lock namespace: (this app, connection id). */
const NAMESPACE = 0x53_4f_53; // "SOS"

export async function tryLockConnection(
  databaseUrl: string,
  connectionId: number,
  options: { readonly keepAliveMs?: number } = {},
): Promise<ConnectionLock | null> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: `salesops-lock-${connectionId}`,
    keepAlive: true,
  });
  const controller = new AbortController();
  const lost = (reason: string) => {
    if (!controller.signal.aborted)
      controller.abort(new Error(`lost the lock of connection ${connectionId}: ${reason}`));
  };
  client.on('error', (error) => lost(error.message));
  client.on('end', () => lost('session ended'));
  await client.connect();
  const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [
    NAMESPACE,
    connectionId,
  ]);
  if (!result.rows[0]?.locked) {
    await client.end();
    return null;
  }
  // A probe notices a dead session between pages even when the socket has not errored yet.
  const probe = setInterval(() => {
    client.query('select 1').catch((error: Error) => lost(error.message));
  }, options.keepAliveMs ?? 5000);
  probe.unref();
  let released = false;
  return {
    signal: controller.signal,
    async release() {
      if (released) return;
      released = true;
      clearInterval(probe);
      client.removeAllListeners('end');
      try {
        await client.query('select pg_advisory_unlock($1, $2)', [NAMESPACE, connectionId]);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}
