import type { Connection } from '../connections/connection-store.js';
import type { LastRun } from '../warehouse/sync-runs.js';

/**
 * The `connections list --json` document of DESIGN §7: `[{ name, kind, baseUrl, tier, createdAt,
 * lastRun }]`, never a secret. The CLI and the API print it from here.
 */
export type ConnectionListItem = {
  readonly name: string;
  readonly kind: string;
  readonly baseUrl: string | null;
  readonly tier: string | null;
  readonly createdAt: string;
  readonly lastRun: {
    readonly id: number;
    readonly status: string;
    readonly finishedAt: string | null;
  } | null;
};

export function connectionsDocument(
  list: readonly Connection[],
  lastRun: ReadonlyMap<number, LastRun>,
): ConnectionListItem[] {
  return list.map((c) => {
    const run = lastRun.get(c.id);
    return {
      name: c.name,
      kind: c.kind,
      baseUrl: c.baseUrl,
      tier: c.tier,
      createdAt: c.createdAt.toISOString(),
      lastRun: run
        ? { id: run.id, status: run.status, finishedAt: run.finishedAt?.toISOString() ?? null }
        : null,
    };
  });
}
