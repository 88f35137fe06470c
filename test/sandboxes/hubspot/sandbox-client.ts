/** Shared helpers for the sandbox suites: a real api-client pointed at a sandbox, and raw fetch. */
import { Client } from '@hubspot/api-client';
import type { HubspotSandbox } from '../../../sandboxes/hubspot/index.js';

/** The client as the connector will build it: our base URL, no built-in retries. */
export function clientFor(sandbox: HubspotSandbox, accessToken = sandbox.accessToken): Client {
  return new Client({ accessToken, basePath: sandbox.baseUrl, numberOfApiCallRetries: 0 });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** What went over the wire, untouched by the client's deserializer (which drops unknown fields). */
export async function raw(
  sandbox: HubspotSandbox,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = init.token === undefined ? sandbox.accessToken : init.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(sandbox.baseUrl + path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** The api-client throws ApiException-like errors carrying `code`, `body` and `headers`. */
export async function apiError(promise: Promise<unknown>): Promise<{
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: number; body?: Record<string, unknown>; headers?: Record<string, string> };
    if (typeof e.code === 'number') return { code: e.code, body: e.body ?? {}, headers: e.headers ?? {} };
    throw error;
  }
  throw new Error('expected the call to fail');
}

export const FIXED_NOW = new Date('2026-06-15T12:00:00.000Z');
