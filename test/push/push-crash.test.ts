import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeOutbox } from '../../src/push/outbox.js';
import { pushStage } from '../../src/push/push-stage.js';
import { exited, spawnScript, waitFor } from '../support/child-process.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { createLoggedDouble, type LoggedWrite } from './fixtures/logged-double.js';
import { AS_OF, dealId, outboxSize, seedPush } from './push-seed.js';

const CHILD = 'test/push/fixtures/push-child.ts';

describe('the push process killed inside a write', () => {
  let t: TestDatabase;
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    t = await createTestDatabase('push_crash');
    dir = mkdtempSync(join(tmpdir(), 'push-crash-'));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (child) await exited(child);
    rmSync(dir, { recursive: true, force: true });
    await t.drop();
  });

  it('loses no value and writes only the batch in flight once more', async () => {
    const connection = await insertConnection(t.db);
    // 5 reps × 6 values and 450 deals × 4 values. Calls in order: 1 rep call, then deal calls of
    // 100, 100, 100, 100, 50. The kill lands in call 3: deals 101–200 reached the CRM unacknowledged.
    await seedPush(t.db, connection.id, { reps: 5, deals: 450 });
    await computeOutbox(t.db, connection, { asOf: AS_OF, runId: 1, replay: false });
    expect(await outboxSize(t.db, connection.id)).toBe(30 + 1800);

    const log = join(dir, 'crm.jsonl');
    const marker = join(dir, 'in-write');
    child = await spawnScript(CHILD, {
      DATABASE_URL: t.url,
      CONNECTION_ID: String(connection.id),
      RUN_ID: '2',
      LOG_FILE: log,
      MARKER_FILE: marker,
      HANG_AT_CALL: '3',
    });
    await waitFor(async () => existsSync(marker), 20_000, 'the child to hang inside write()');
    child.kill('SIGKILL');
    await exited(child);
    child = undefined;
    // The two acknowledged batches left the outbox; the one in flight rolled back with its claim.
    expect(await outboxSize(t.db, connection.id)).toBe(1830 - 30 - 400);

    const resumed = await pushStage(t.db, connection, createLoggedDouble(connection, log), {
      runId: 3,
      dryRun: false,
      signal: new AbortController().signal,
      asOf: AS_OF,
      replay: false,
    });
    // Deals 101–450: batches of 100, 100, 100 and 50.
    expect(resumed.counts).toEqual({ pushedCalls: 4, pushedRecords: 350, pushFailed: 0 });
    expect(await outboxSize(t.db, connection.id)).toBe(0);

    const writes = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as LoggedWrite);
    const times = new Map<string, number>();
    const last = new Map<string, LoggedWrite['value']>();
    for (const w of writes) {
      const key = `${w.target}:${w.recordId}:${w.field}`;
      times.set(key, (times.get(key) ?? 0) + 1);
      last.set(key, w.value);
    }
    // None lost: every value reached the CRM.
    expect(times.size).toBe(1830);
    // At most once more, and only the 100 deals × 4 fields of the killed batch.
    const twice = [...times].filter(([, n]) => n === 2).map(([key]) => key);
    expect([...times.values()].every((n) => n <= 2)).toBe(true);
    expect(twice).toHaveLength(400);
    expect(twice.every((key) => key >= `deal:${dealId(101)}:` && key < `deal:${dealId(201)}:`)).toBe(true);

    const state = await t.db
      .selectFrom('push_state')
      .select(['object', 'record_id', 'field', 'value'])
      .where('connection_id', '=', connection.id)
      .execute();
    expect(state).toHaveLength(1830);
    for (const s of state) {
      const recordId = s.object === 'rep' ? `u${s.record_id.slice(1)}` : s.record_id;
      const sent = last.get(`${s.object}:${recordId}:${s.field}`);
      // The CRM holds exactly what push_state says it accepted (numbers travel as numbers).
      expect(sent).toBe(typeof sent === 'number' ? Number(s.value) : s.value);
    }
  });
});
