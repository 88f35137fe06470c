import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger, registerSecret } from '../src/logger.js';

/** A token shaped like the real ones (HubSpot private-app `pat-…`), unique per use. */
const token = (): string => `pat-na1-${randomBytes(18).toString('hex')}`;

/** A logger writing into memory; each entry is one emitted line. */
function capture(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  return { logger, lines, text: () => lines.join('') };
}

/** The line is valid JSON, holds '[redacted]', and nowhere contains the secret's bytes. */
function expectRedacted(output: string, secret: string): void {
  expect(output.length).toBeGreaterThan(0);
  for (const line of output.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  expect(output).not.toContain(secret);
  // Also not in an encoding a careless serializer might produce.
  expect(output).not.toContain(Buffer.from(secret).toString('base64'));
  expect(output).toContain('[redacted]');
}

describe('logger redaction', () => {
  it('censors secret-named keys: accessToken, refresh_token, client secret', () => {
    const { logger, text } = capture();
    const a = token();
    const r = token();
    const s = token();
    logger.info({ accessToken: a, refresh_token: r, clientSecret: s, connection: 'acme' }, 'token refreshed');
    const out = text();
    for (const secret of [a, r, s]) expectRedacted(out, secret);
    const line = JSON.parse(out) as Record<string, unknown>;
    expect(line.connection).toBe('acme');
    expect(line.msg).toBe('token refreshed');
    expect(line.accessToken).toBe('[redacted]');
  });

  it('censors Authorization headers at any depth, whatever their case', () => {
    const { logger, text } = capture();
    const a = token();
    const b = token();
    logger.warn(
      {
        request: { method: 'GET', url: '/crm/v3/objects/deals', headers: { Authorization: `Bearer ${a}` } },
        retry: { headers: { authorization: `Bearer ${b}` } },
      },
      'retrying',
    );
    const out = text();
    expectRedacted(out, a);
    expectRedacted(out, b);
    const line = JSON.parse(out) as { request: { url: string } };
    expect(line.request.url).toBe('/crm/v3/objects/deals');
  });

  it('censors nested credentials objects and arrays of them', () => {
    const { logger, text } = capture();
    const a = token();
    const b = token();
    logger.info(
      { connection: { name: 'acme', credentials: { method: 'private_app', accessToken: a } } },
      'loaded',
    );
    logger.info({ batch: [{ id: 1, auth: { access_token: b } }] }, 'batch');
    const out = text();
    expectRedacted(out, a);
    expectRedacted(out, b);
    expect(out).toContain('"name":"acme"');
  });

  it('scrubs a bearer token from an Error message and stack', () => {
    const { logger, text } = capture();
    const a = token();
    const error = new Error(`request failed: 401 for header Authorization: Bearer ${a}`);
    logger.error({ err: error }, 'pull failed');
    logger.error(error);
    const out = text();
    expectRedacted(out, a);
    expect(out).toContain('request failed: 401');
  });

  it('scrubs access_token= and client_secret= from URLs', () => {
    const { logger, text } = capture();
    const a = token();
    const s = token();
    logger.info(
      { url: `https://api.example.com/oauth?access_token=${a}&client_secret=${s}&limit=100` },
      `GET https://api.example.com/x?access_token=${a}`,
    );
    const out = text();
    expectRedacted(out, a);
    expectRedacted(out, s);
    expect(out).toContain('limit=100');
  });

  it('masks a registered secret inside free text, in the message and in fields', () => {
    const { logger, text } = capture();
    const a = `opaque${randomBytes(12).toString('hex')}`;
    registerSecret(a);
    logger.info({ detail: `the CRM echoed ${a} back` }, `saw ${a} in a response body`);
    logger.info('format %s', `x${a}y`);
    const out = text();
    expectRedacted(out, a);
    expect(out).toContain('saw [redacted] in a response body');
  });

  it('masks secrets in child-logger bindings', () => {
    const { logger, text } = capture();
    const a = token();
    const b = token();
    const child = logger.child({ connection: 'acme', stage: 'pull', apiKey: a });
    child.info('start');
    child.child({ runId: 7, headers: { Authorization: `Bearer ${b}` } }).info('page');
    const out = text();
    // Bindings are serialised once at child creation, apart from each line: a separate path.
    expectRedacted(out, a);
    expectRedacted(out, b);
    expect(out).toContain('"stage":"pull"');
    expect(out).toContain('"runId":7');
  });
});
