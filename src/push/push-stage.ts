import type { CrmConnector } from '../../connectors/connector.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { SyncRunCounts } from '../warehouse/tables.js';

/**
 * The push stage: outbox rows → CRM batch writes. Until the outbox exists (issue 11) there is
 * nothing to send, and the stage reports exactly that: no calls, no records.
 */
export interface PushOptions {
  readonly runId: number;
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
}

export async function pushStage(
  _db: Db,
  _connection: Connection,
  _connector: CrmConnector,
  _options: PushOptions,
): Promise<{ counts: SyncRunCounts; partial?: boolean }> {
  return { counts: { pushedCalls: 0, pushedRecords: 0, pushFailed: 0 } };
}
