import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapture } from '../cli/cli-run.js';
import { createEngineHarness, type EngineHarness, REDIS_URL } from '../support/engine-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

describe('salesops alerts set | list | test | remove', () => {
  let h: EngineHarness;
  let env: NodeJS.ProcessEnv;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    h = await createEngineHarness('alerts_cli');
    env = { DATABASE_URL: h.database.url, REDIS_URL, SALESOPS_QUEUE_PREFIX: h.prefix, LOG_LEVEL: 'silent' };
    receiver = await startWebhookReceiver('/services/T1/B2/secret-token');
    await h.connection('acme');
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  it('refuses a URL that is not http(s) with one sentence and exit 2', async () => {
    for (const bad of ['ftp://hooks.example.com/x', 'hooks.slack.com/services/x', 'javascript:alert(1)']) {
      const r = await runCapture(['alerts', 'set', '--webhook', bad], env);
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 2,
        stderr: `error: --webhook expects an http:// or https:// URL such as https://hooks.slack.com/services/T000/B000/XXXX, not "${bad}".\n`,
      });
    }
    const unknown = await runCapture(
      ['alerts', 'set', '--webhook', receiver.url, '--connection', 'nope'],
      env,
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/nope/);
  });

  it('sets a destination once, lists it with its secret path masked, tests and removes it', async () => {
    const none = await runCapture(['alerts', 'test'], env);
    expect(none).toMatchObject({ code: 2, stderr: expect.stringMatching(/No alert destinations to test/) });

    const set = await runCapture(['alerts', 'set', '--webhook', receiver.url], env);
    expect(set.code).toBe(0);
    const masked = receiver.url.replace('/T1/B2/secret-token', '/…');
    expect(set.stdout).toContain(`Alerts for every connection go to ${masked}`);
    const again = await runCapture(['alerts', 'set', '--webhook', receiver.url, '--json'], env);
    expect(JSON.parse(again.stdout)).toEqual({ connection: null, webhook: masked, added: false });
    const own = await runCapture(
      ['alerts', 'set', '--webhook', receiver.url, '--connection', 'acme', '--json'],
      env,
    );
    expect(JSON.parse(own.stdout)).toEqual({ connection: 'acme', webhook: masked, added: true });

    const list = await runCapture(['alerts', 'list', '--json'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('secret-token');
    const doc = JSON.parse(list.stdout) as {
      destinations: { connection: string | null; webhook: string }[];
      connections: { connection: string; state: string; lastAlert: unknown }[];
    };
    expect(doc.destinations.map((d) => [d.connection, d.webhook])).toEqual([
      [null, masked],
      ['acme', masked],
    ]);
    expect(doc.connections).toEqual([
      { connection: 'acme', state: 'unknown', changedAt: null, lastAlert: null },
    ]);
    const table = await runCapture(['alerts', 'list'], env);
    expect(table.stdout).toContain('every connection');

    const test = await runCapture(['alerts', 'test', '--connection', 'acme', '--json'], env);
    expect(test.code).toBe(0);
    // acme's alerts go to both destinations (its own and every connection's): two posts.
    expect((JSON.parse(test.stdout) as { delivered: boolean }[]).map((r) => r.delivered)).toEqual([
      true,
      true,
    ]);
    expect(receiver.bodies).toHaveLength(2);
    expect(receiver.bodies[0]).toMatchObject({
      text: ':white_check_mark: Test message from salesops-sync: alerts for "acme" arrive here.',
    });

    receiver.script(404);
    const refused = await runCapture(['alerts', 'test'], env);
    expect(refused.code).toBe(1);
    // Two destinations, tested at once: the first request to arrive gets the 404.
    const lines = refused.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => /^destination \d+ \(.+\): delivered \(attempt 1\)\.$/.test(l))).toHaveLength(
      1,
    );
    expect(
      lines.filter((l) => l.endsWith('): not delivered after 1 attempt(s) (HTTP 404 (not retried)).')),
    ).toHaveLength(1);
    expect(refused.stderr).toMatch(/^error: 1 of 2 destination\(s\) did not accept the test message/);

    const removed = await runCapture(
      ['alerts', 'remove', '--webhook', receiver.url, '--connection', 'acme'],
      env,
    );
    expect(removed).toMatchObject({ code: 0, stdout: `Alerts for "acme" no longer go to ${masked}.\n` });
    const twice = await runCapture(
      ['alerts', 'remove', '--webhook', receiver.url, '--connection', 'acme'],
      env,
    );
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/No alerts for "acme" go to/);
  });
});
