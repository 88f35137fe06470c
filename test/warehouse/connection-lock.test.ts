import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryLockConnection } from '../../src/warehouse/connection-lock.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

describe('connection advisory lock', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('lock');
  });
  afterAll(() => t.drop());

  it('admits one holder per connection, and another connection independently', async () => {
    const first = await tryLockConnection(t.url, 7);
    expect(first).not.toBeNull();
    expect(await tryLockConnection(t.url, 7)).toBeNull();
    const other = await tryLockConnection(t.url, 8);
    expect(other).not.toBeNull();
    await first?.release();
    const again = await tryLockConnection(t.url, 7);
    expect(again).not.toBeNull();
    await again?.release();
    await other?.release();
  });

  it('tells the holder when its session dies, and frees the lock for the next worker', async () => {
    const lock = await tryLockConnection(t.url, 9, { keepAliveMs: 50 });
    expect(lock).not.toBeNull();
    // What a crashed worker, a failover or an admin's pg_terminate_backend looks like to the holder.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'salesops-lock-9'`.execute(
      t.db,
    );
    await new Promise<void>((resolve) => {
      if (lock?.signal.aborted) resolve();
      lock?.signal.addEventListener('abort', () => resolve());
    });
    expect(String(lock?.signal.reason)).toMatch(/lost the lock of connection 9/);
    const next = await tryLockConnection(t.url, 9);
    expect(next).not.toBeNull();
    await next?.release();
    await lock?.release().catch(() => {});
  });
});
