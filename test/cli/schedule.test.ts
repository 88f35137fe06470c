import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRunIn } from '../../src/cli/schedule-command.js';
import { createRedis } from '../../src/redis.js';
import { createSyncQueue } from '../../workers/queues.js';
import { REDIS_URL } from '../support/engine-harness.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from '../support/test-db.js';
import { runCapture } from './cli-run.js';

describe('nextRunIn: the next run on the schedule’s own wall clock', () => {
  // Europe/Berlin is UTC+1 in winter (CET) and UTC+2 in summer (CEST); in 2026 summer time
  // starts on Sunday 29 March (the last Sunday of March), so 06:00 that morning is +02:00.
  it.each([
    ['winter', '2026-12-02T12:00:00Z', '2026-12-03T06:00:00+01:00'],
    ['summer', '2026-07-01T12:00:00Z', '2026-07-02T06:00:00+02:00'],
    ['the morning summer time starts', '2026-03-28T12:00:00Z', '2026-03-29T06:00:00+02:00'],
  ])('"0 6 * * *" in Europe/Berlin, %s', (_label, from, expected) => {
    expect(nextRunIn('0 6 * * *', 'Europe/Berlin', new Date(from))).toBe(expected);
  });

  it('is the same instant BullMQ would fire at, only shown with its offset', () => {
    // 06:00+01:00 is 05:00 UTC.
    expect(
      new Date(nextRunIn('0 6 * * *', 'Europe/Berlin', new Date('2026-12-02T12:00:00Z'))).toISOString(),
    ).toBe('2026-12-03T05:00:00.000Z');
  });
});

describe('salesops schedule', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const prefix = uniqueQueuePrefix('cli_schedule');
  const redis = createRedis(REDIS_URL, 'producer');
  const queue = createSyncQueue(redis, prefix);

  beforeAll(async () => {
    t = await createTestDatabase('cli_schedule');
    await insertConnection(t.db, { name: 'acme', timeZone: 'UTC' });
    env = {
      DATABASE_URL: t.url,
      REDIS_URL,
      SALESOPS_QUEUE_PREFIX: prefix,
      SALESOPS_SECRET_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    };
  });

  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await t?.drop();
  });

  it('lists the next run at 06:00 Berlin time with its offset, not in UTC', async () => {
    const set = await runCapture(
      ['schedule', 'set', 'acme', '--cron', '0 6 * * *', '--tz', 'Europe/Berlin'],
      env,
    );
    expect(set.code, set.stderr).toBe(0);
    const listed = await runCapture(['schedule', 'list', '--json'], env);
    const [row] = JSON.parse(listed.stdout) as { nextRun: string }[];
    // Checked against Intl's own Berlin clock, independent of luxon and cron-parser.
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'longOffset',
    }).format(new Date(row?.nextRun ?? ''));
    const [, clock, offset] = /^(\d\d:\d\d) GMT([+-]\d\d:\d\d)$/.exec(berlin) ?? [];
    expect(clock).toBe('06:00');
    expect(row?.nextRun).toMatch(new RegExp(`T06:00:00\\${offset}$`));
    const table = await runCapture(['schedule', 'list'], env);
    expect(table.stdout).toMatch(
      new RegExp(`Europe/Berlin .*active .*\\d{4}-\\d\\d-\\d\\d 06:00 \\${offset}`),
    );
  });

  it('removes a schedule and its BullMQ job scheduler, and says when there is none', async () => {
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key)).toHaveLength(1);
    const removed = await runCapture(['schedule', 'remove', 'acme'], env);
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toBe(
      'Schedule of "acme" removed; it syncs only when you run `salesops sync acme`.\n',
    );
    expect(await queue.getJobSchedulers(0, -1)).toEqual([]);
    expect((await runCapture(['schedule', 'list', '--json'], env)).stdout).toBe('[]\n');
    const again = await runCapture(['schedule', 'remove', 'acme'], env);
    expect(again).toMatchObject({ code: 2, stdout: '' });
    expect(again.stderr).toBe(
      'error: "acme" has no schedule; set one with `salesops schedule set acme --cron "0 6 * * *"`.\n',
    );
  });

  it('logs each change in audit config with before → after, and nothing for a refused one', async () => {
    // The two tests above: set (none → 06:00 Berlin), then remove (→ none); the refused
    // second remove wrote nothing.
    const audit = await runCapture(['audit', 'config', '--entity', 'schedule', '--json'], env);
    expect(audit.code, audit.stderr).toBe(0);
    const rows = JSON.parse(audit.stdout) as {
      actor: string;
      key: string;
      action: string;
      before: unknown;
      after: unknown;
    }[];
    const berlin = { cron: '0 6 * * *', timeZone: 'Europe/Berlin', enabled: true };
    expect(rows.map(({ key, action, before, after }) => ({ key, action, before, after }))).toEqual([
      { key: 'acme', action: 'remove', before: berlin, after: null },
      { key: 'acme', action: 'set', before: null, after: berlin },
    ]);
    expect(rows[0]?.actor).toMatch(/^cli:./);
  });
});
