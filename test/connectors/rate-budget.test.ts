import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector-error.js';
import {
  type BudgetBuckets,
  createRateBudget,
  HUBSPOT_TIERS,
  hubspotBudgetSpec,
  type RateBudgetOptions,
  SALESFORCE_BUDGET_SPEC,
} from '../../connectors/rate-budget.js';

const PREFIX = `{salesops-test-budget-${randomUUID().slice(0, 8)}}`;
const HAMMER = fileURLToPath(new URL('./fixtures/budget-hammer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let redis: Redis;
const extraClients: Redis[] = [];

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await Promise.all([redis, ...extraClients].map((client) => client.quit()));
});

/** Another "process": its own connection, its own budget object, nothing shared but Redis. */
function otherConnection(): Redis {
  const client = new Redis({ host: '127.0.0.1', port: 6379 });
  extraClients.push(client);
  return client;
}

function budget(
  accountId: string,
  buckets: BudgetBuckets,
  extra: Partial<RateBudgetOptions> = {},
): ReturnType<typeof createRateBudget> {
  return createRateBudget({
    redis,
    prefix: PREFIX,
    account: { kind: 'hubspot', accountId },
    buckets,
    ...extra,
  });
}

async function grantsUntilRefused(b: ReturnType<typeof createRateBudget>, bucket?: 'default' | 'search') {
  let granted = 0;
  while ((await b.tryAcquire(bucket)).granted) granted += 1;
  return granted;
}

type Child = ChildProcessByStdio<Writable, Readable, null>;

function firstLine(child: Child, predicate: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (predicate(line)) {
        lines.close();
        resolve(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`hammer ${child.pid} exited with ${code}`)));
  });
}

describe('rate budget across three processes', () => {
  it('never exceeds 20 in any 2-s window and uses at least 95% of it', async () => {
    const limit = 20;
    const windowMs = 2000;
    // Two well-behaved acquirers and one poller that ignores the wait hint (see the fixture).
    const children: Child[] = ['acquire', 'acquire', 'poll'].map((mode) =>
      spawn(process.execPath, ['--import', 'tsx', HAMMER], {
        cwd: ROOT,
        env: {
          ...process.env,
          BUDGET_PREFIX: PREFIX,
          BUDGET_ACCOUNT: 'hammered',
          BUDGET_LIMIT: String(limit),
          BUDGET_WINDOW_MS: String(windowMs),
          BUDGET_MODE: mode,
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    await Promise.all(children.map((child) => firstLine(child, (line) => line === 'ready')));
    const results = children.map((child) => firstLine(child, (line) => line.startsWith('{')));
    // 6.5 s: the fourth burst (t0 + 6 s) lands inside the run, so three whole windows are measured.
    const deadline = Date.now() + 6500;
    for (const child of children) child.stdin.end(`go ${deadline}\n`);
    const outputs = (await Promise.all(results)).map(
      (line) => JSON.parse(line) as { readonly grants: readonly number[] },
    );

    // Every process took part: the log is shared, not one winner starving the rest.
    for (const out of outputs) expect(out.grants.length).toBeGreaterThan(0);
    const times = outputs.flatMap((out) => out.grants).sort((a, b) => a - b);

    // Windows are half-open [t, t + W), as the script counts them; checking one starting at each
    // grant covers every window, since a window's count only changes where a grant enters it.
    let maxInWindow = 0;
    for (let i = 0, j = 0; i < times.length; i += 1) {
      while (j < times.length && times[j]! < times[i]! + windowMs) j += 1;
      maxInWindow = Math.max(maxInWindow, j - i);
    }

    // Theoretical maximum: [t0, t0 + kW) is k back-to-back windows, so at most k·N grants fit in
    // it. k is the number of whole windows between the first and the last grant, so the
    // processes were still hammering for all of it and a partial tail window does not count.
    const t0 = times[0]!;
    const k = Math.floor((times.at(-1)! - t0) / windowMs);
    const inSpan = times.filter((t) => t < t0 + k * windowMs).length;
    const utilisation = inSpan / (k * limit);
    console.info(
      `rate budget hammer: ${times.length} grants by ${outputs.map((o) => o.grants.length).join('/')}, ` +
        `max ${maxInWindow} in any ${windowMs} ms, ${inSpan}/${k * limit} in ${k} windows ` +
        `= ${(utilisation * 100).toFixed(1)}%`,
    );
    expect(maxInWindow).toBeLessThanOrEqual(limit);
    expect(k).toBeGreaterThanOrEqual(2);
    expect(utilisation).toBeGreaterThanOrEqual(0.95);
  }, 20_000);
});

describe('rate budget keys and buckets', () => {
  it('keys by CRM account: two connections to one account share, two accounts do not', async () => {
    const spec = { default: { limit: 3, windowMs: 60_000 } };
    const first = budget('acct-shared', spec);
    const second = createRateBudget({
      redis: otherConnection(),
      prefix: PREFIX,
      account: { kind: 'hubspot', accountId: 'acct-shared' },
      buckets: spec,
    });
    expect(await grantsUntilRefused(first)).toBe(3);
    expect((await second.tryAcquire()).granted).toBe(false);

    expect(await grantsUntilRefused(budget('acct-other', spec))).toBe(3);
    const sameIdOtherCrm = createRateBudget({
      redis,
      prefix: PREFIX,
      account: { kind: 'salesforce', accountId: 'acct-shared' },
      buckets: spec,
    });
    expect(await grantsUntilRefused(sameIdOtherCrm)).toBe(3);
    expect(await redis.exists(`${PREFIX}:budget:hubspot:acct-shared:default`)).toBe(1);
  });

  it('keeps search and default independent, with their own N', async () => {
    const b = budget('acct-buckets', {
      default: { limit: 4, windowMs: 60_000 },
      search: { limit: 2, windowMs: 60_000 },
    });
    expect(await grantsUntilRefused(b, 'search')).toBe(2);
    expect(await grantsUntilRefused(b, 'default')).toBe(4);
    const refused = await b.tryAcquire('search');
    expect(refused.granted).toBe(false);
    if (!refused.granted) expect(refused.waitMs).toBeGreaterThan(59_000);
  });

  it('counts search against default where the CRM has no search bucket', async () => {
    const b = budget('acct-nosearch', { default: { limit: 2, windowMs: 60_000 } });
    expect(await grantsUntilRefused(b, 'search')).toBe(2);
    expect((await b.tryAcquire('default')).granted).toBe(false);
  });

  it('refuses a prefix without a Redis Cluster hash tag', () => {
    expect(() =>
      createRateBudget({
        redis,
        prefix: 'salesops',
        account: { kind: 'hubspot', accountId: '1' },
        buckets: { default: { limit: 1, windowMs: 1000 } },
      }),
    ).toThrow(/hash tag/);
  });
});

describe('rate budget corrected by vendor headers', () => {
  it('holds requests back when the vendor says fewer remain than the log thinks', async () => {
    const spec = { default: { limit: 10, windowMs: 60_000 } };
    const b = budget('acct-remaining', spec);
    await b.acquire();
    await b.acquire();
    // Our log says 8 remain; another client of the portal used 5 more, so the vendor says 3.
    await b.observe({ remaining: 3 });
    expect(await grantsUntilRefused(b)).toBe(3);

    // A vendor count below ours changes nothing: the log is already the stricter of the two.
    const control = budget('acct-remaining-control', spec);
    await control.acquire();
    await control.observe({ remaining: 9 });
    expect(await grantsUntilRefused(control)).toBe(9);
  });

  it("adopts the vendor's limit for every process of the account", async () => {
    const configured = { default: { limit: 20, windowMs: 60_000 } };
    const here = budget('acct-limit', configured);
    await here.observe({ limit: 5, remaining: 5 });
    const elsewhere = createRateBudget({
      redis: otherConnection(),
      prefix: PREFIX,
      account: { kind: 'hubspot', accountId: 'acct-limit' },
      buckets: configured,
    });
    expect((await elsewhere.inspect()).limit).toBe(5);
    expect(await grantsUntilRefused(elsewhere)).toBe(5);

    // The tier was under-set: the vendor allows more, and the other process gets it too.
    await elsewhere.observe({ limit: 30 });
    expect(await grantsUntilRefused(here)).toBe(25);
    // Confirming the configured limit clears the override.
    await here.observe({ limit: 20 });
    expect(await redis.exists(`${PREFIX}:budget:hubspot:acct-limit:default:limit`)).toBe(0);
  });
});

describe('rate budget waiting', () => {
  it('waits through the injected sleep until the oldest entry leaves the window', async () => {
    const sleeps: number[] = [];
    const b = budget(
      'acct-wait',
      { default: { limit: 2, windowMs: 300 } },
      {
        clock: {
          sleep: (ms) => {
            sleeps.push(ms);
            return new Promise((resolve) => setTimeout(resolve, ms));
          },
        },
        jitterMs: 5,
      },
    );
    const first = await b.acquireGrant();
    await b.acquire();
    const third = await b.acquireGrant();
    expect(sleeps.length).toBeGreaterThan(0);
    expect(sleeps[0]).toBeLessThanOrEqual(300 + 5);
    expect(third.waitedMs).toBe(sleeps.reduce((a, c) => a + c, 0));
    expect(third.at - first.at).toBeGreaterThanOrEqual(300);
  });

  it('surfaces a stuck budget as rate_limited instead of hanging', async () => {
    const b = budget(
      'acct-stuck',
      { default: { limit: 1, windowMs: 60_000 } },
      { clock: { sleep: async () => {} } },
    );
    await b.acquire();
    const error = await b.acquire('default', { maxWaitMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe('rate_limited');
    expect((error as ConnectorError).retryAfterMs).toBeGreaterThan(59_000);

    const controller = new AbortController();
    const pending = b.acquire('default', { signal: controller.signal, maxWaitMs: 120_000 });
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('rejects at once when the budget of a fake clock never frees up', async () => {
    // The fake sleep returns immediately, so the server clock never advances past the window:
    // the summed waits reach maxWaitMs and acquire gives up rather than spinning forever.
    const b = budget(
      'acct-spin',
      { default: { limit: 1, windowMs: 400 } },
      { clock: { sleep: async () => {} } },
    );
    await b.acquire();
    await expect(b.acquire('default', { maxWaitMs: 1000 })).rejects.toBeInstanceOf(ConnectorError);
  });
});

describe('tier data', () => {
  it('matches DESIGN.md §3', () => {
    expect(HUBSPOT_TIERS.starter).toEqual({ limit: 100, windowMs: 10_000 });
    expect(HUBSPOT_TIERS.enterprise.limit).toBe(190);
    expect(HUBSPOT_TIERS.oauth_app.limit).toBe(110);
    const spec = hubspotBudgetSpec('professional');
    expect(spec.default).toMatchObject({ limit: 190, windowMs: 10_000 });
    expect(spec.search).toMatchObject({ limit: 5, windowMs: 1000 });
    expect(SALESFORCE_BUDGET_SPEC.search).toBeUndefined();
  });
});
