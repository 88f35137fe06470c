import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushStage } from '../../src/push/push-stage.js';
import { installRulesText } from '../../src/route/install-routing-rules.js';
import { routeStage } from '../../src/route/route-stage.js';
import { createLoggedDouble, type LoggedWrite } from '../push/fixtures/logged-double.js';
import { exited, spawnScript, waitFor } from '../support/child-process.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const CHILD = 'test/route-stage/fixtures/route-child.ts';

/**
 * DESIGN §11: "the decision row is the claim". 601 new leads are routed in transactions of 500
 * decisions with their outbox rows; the process is SIGKILLed while deciding lead 501, after the
 * first transaction committed and before any owner was written. The retried stage decides only
 * the 101 left, and the push writes each of the 601 owners exactly once, the owner its decision
 * chose, in ⌈601/100⌉ = 7 HubSpot batch calls.
 */
const LEADS = 601;

describe('the route stage killed between decision and write', () => {
  let t: TestDatabase;
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    t = await createTestDatabase('route_crash');
    dir = mkdtempSync(join(tmpdir(), 'route-crash-'));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (child) await exited(child);
    rmSync(dir, { recursive: true, force: true });
    await t.drop();
  });

  it('routes no lead twice and writes every owner once', async () => {
    const connection = await insertConnection(t.db);
    const c = connection.id;
    await t.db
      .insertInto('owners')
      .values(
        ['ana', 'bo'].map((name, i) => ({
          connection_id: c,
          external_id: `o${i + 1}`,
          email: `${name}@x.com`,
          first_name: name,
          last_name: null,
          active: true,
          user_id: `u${i + 1}`,
          manager_id: null,
        })),
      )
      .execute();
    const rules = 'fallback: Everyone\npools:\n  - name: Everyone\n    members: [ana@x.com, bo@x.com]\n';
    expect((await installRulesText(t.db, c, rules, { dryRun: false })).ok).toBe(true);
    const start = Date.now() + 1000;
    await t.db
      .insertInto('leads')
      .values(
        Array.from({ length: LEADS }, (_, i) => ({
          connection_id: c,
          external_id: `L${String(i + 1).padStart(4, '0')}`,
          email: null,
          owner_id: null,
          assigned_at: null,
          score: null,
          rating: null,
          source: null,
          status: null,
          crm_created_at: new Date(start + i),
          last_modified_at: new Date(start + i),
        })),
      )
      .execute();

    // Every run decides at one instant after all 601 leads were created: which earlier leads a
    // run counts as received must not depend on how long the child took to start.
    const decideAt = new Date(start + LEADS + 60_000);
    const marker = join(dir, 'deciding');
    child = await spawnScript(CHILD, {
      DATABASE_URL: t.url,
      CONNECTION_ID: String(c),
      RUN_ID: '1',
      MARKER_FILE: marker,
      HANG_AT_DECISION: '501',
      NOW: decideAt.toISOString(),
    });
    await waitFor(async () => existsSync(marker), 30_000, 'the child to reach decision 501');
    child.kill('SIGKILL');
    await exited(child);
    child = undefined;

    const claimed = async () =>
      Number(
        (
          await t.db
            .selectFrom('routing_decisions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('connection_id', '=', c)
            .executeTakeFirstOrThrow()
        ).n,
      );
    // The first transaction (500 decisions and their outbox rows) committed; nothing was written.
    expect(await claimed()).toBe(500);

    const retried = await routeStage(t.db, connection, { runId: 2, now: decideAt });
    expect(retried.counts).toEqual({ routed: 101, unrouted: 0 });
    expect(await claimed()).toBe(LEADS);
    // A third attempt finds nothing left to decide.
    expect((await routeStage(t.db, connection, { runId: 3, now: decideAt })).counts).toEqual({
      routed: 0,
      unrouted: 0,
    });

    const log = join(dir, 'crm.jsonl');
    const pushed = await pushStage(t.db, connection, createLoggedDouble(connection, log), {
      runId: 4,
      dryRun: false,
      signal: new AbortController().signal,
      asOf: new Date(),
      replay: false,
    });
    expect(pushed.counts).toEqual({ pushedCalls: 7, pushedRecords: LEADS, pushFailed: 0 });

    const writes = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as LoggedWrite);
    expect(writes).toHaveLength(LEADS);
    expect(new Set(writes.map((w) => w.recordId)).size).toBe(LEADS);
    const decided = await t.db
      .selectFrom('routing_decisions')
      .select(['lead_id', 'chosen_owner_id', 'write_outcome'])
      .where('connection_id', '=', c)
      .execute();
    const chosen = new Map(decided.map((d) => [d.lead_id, d.chosen_owner_id]));
    for (const w of writes) {
      expect(w).toMatchObject({ target: 'lead', field: 'owner' });
      expect(w.value).toBe(chosen.get(w.recordId));
    }
    expect(decided.every((d) => d.write_outcome === 'written')).toBe(true);
    // Two equal members alternate exactly across the crash: 301 and 300 (hand count: 601 leads,
    // the first of each pair to ana by email order).
    const ana = decided.filter((d) => d.chosen_owner_id === 'o1').length;
    expect([ana, LEADS - ana]).toEqual([301, 300]);
  });
});
