import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffMs, type DeliveryIo, postAlert } from '../../src/alerts/post-alert.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

/** Real HTTP to a local receiver; the pauses between attempts are recorded, not waited. */
function recordingIo(): DeliveryIo & { pauses: number[] } {
  const pauses: number[] = [];
  return {
    pauses,
    fetch: (input, init) => fetch(input, init),
    sleep: async (ms) => {
      pauses.push(ms);
    },
  };
}

const policy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000, timeoutMs: 5000 };
const message = { text: 'Sync of "acme" failed: HubSpot refused the access token' };

describe('postAlert to a local receiver', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver.close());

  it('a receiver answering 500 twice then 200 gets the message on the third attempt, after 1 s and 2 s', async () => {
    const before = receiver.bodies.length;
    receiver.script(500, 500, 200);
    const io = recordingIo();
    const result = await postAlert(receiver.url, message, io, policy);
    // Exponential: base 1000 ms before the second attempt, doubled (2000) before the third.
    expect(result).toEqual({ delivered: true, attempts: 3, error: null, pausesMs: [1000, 2000] });
    expect(io.pauses).toEqual([1000, 2000]);
    expect(receiver.bodies.slice(before)).toEqual([message, message, message]);
  });

  it('gives up after the policy’s attempts on a receiver that keeps failing, naming the last answer', async () => {
    receiver.script(503, 503, 503, 503, 503);
    const io = recordingIo();
    const result = await postAlert(receiver.url, message, io, policy);
    // 1, 2, 4, 8 s between five attempts.
    expect(result).toEqual({
      delivered: false,
      attempts: 5,
      error: 'HTTP 503',
      pausesMs: [1000, 2000, 4000, 8000],
    });
  });

  it('does not retry a 404 (a wrong or revoked URL), but does retry a 429', async () => {
    receiver.script(404);
    expect(await postAlert(receiver.url, message, recordingIo(), policy)).toEqual({
      delivered: false,
      attempts: 1,
      error: 'HTTP 404 (not retried)',
      pausesMs: [],
    });
    receiver.script(429, 200);
    expect(await postAlert(receiver.url, message, recordingIo(), policy)).toMatchObject({
      delivered: true,
      attempts: 2,
    });
  });

  it('a receiver that never answers costs each attempt its time-out, then gives up', async () => {
    receiver.script('hang', 'hang');
    const result = await postAlert(receiver.url, message, recordingIo(), {
      ...policy,
      attempts: 2,
      timeoutMs: 150,
    });
    expect(result).toEqual({
      delivered: false,
      attempts: 2,
      error: 'no answer within 0.15 s',
      pausesMs: [1000],
    });
  });

  it('caps the pause at maxDelayMs', () => {
    // 1000 · 2^5 = 32000 > 30000.
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(policy, n))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000,
    ]);
  });
});
