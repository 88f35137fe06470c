/** What every route handler receives and returns; the server owns HTTP, auth and limits. */
import type { HttpError } from '../hubspot-errors.js';
import type { Portal } from '../portal.js';

export interface RouteRequest {
  readonly method: string;
  readonly url: URL;
  /** Path segments after the leading slash; a trailing slash leaves no empty segment. */
  readonly segments: readonly string[];
  readonly body: unknown;
  readonly now: number;
  readonly baseUrl: string;
  readonly portal: Portal;
}

export interface RouteResponse {
  readonly status: number;
  readonly body?: unknown;
}

export function fromError(error: HttpError): RouteResponse {
  return { status: error.status, body: error.body };
}

export function isHttpError(value: unknown): value is HttpError {
  return typeof value === 'object' && value !== null && 'status' in value && 'body' in value;
}

/** `properties=a,b&properties=c` and `properties=a&properties=b` both name a, b, c. */
export function listParam(url: URL, name: string): string[] {
  return url.searchParams
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Paging cursors are opaque on purpose, so a connector cannot do arithmetic on them. */
export function encodeAfter(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeAfter(after: string): string | null {
  const decoded = Buffer.from(after, 'base64url').toString('utf8');
  return /^\d+$/.test(decoded) ? decoded : null;
}
