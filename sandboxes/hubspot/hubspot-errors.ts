/**
 * HubSpot's error bodies, copied field for field from real responses, so a connector's error
 * mapping is tested against what HubSpot actually sends (not a convenient invention).
 */
import { randomUUID } from 'node:crypto';

export interface ErrorBody {
  readonly [key: string]: unknown;
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
}

export function correlationId(): string {
  return randomUUID();
}

function error(status: number, category: string, message: string, extra: ErrorBody = {}): HttpError {
  return { status, body: { status: 'error', message, correlationId: correlationId(), category, ...extra } };
}

export const AUTH_NOT_FOUND_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export function invalidAuthentication(): HttpError {
  return error(401, 'INVALID_AUTHENTICATION', AUTH_NOT_FOUND_MESSAGE);
}

export function expiredAuthentication(expiredForMs: number): HttpError {
  const minutes = Math.max(0, Math.floor(expiredForMs / 60_000));
  return error(
    401,
    'EXPIRED_AUTHENTICATION',
    `The OAuth token used to make this call expired ${minutes} minute(s) ago.`,
  );
}

export type RatePolicy = 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY';

const POLICY_WORD: Readonly<Record<RatePolicy, string>> = {
  TEN_SECONDLY_ROLLING: 'ten_secondly_rolling',
  DAILY: 'daily',
  SECONDLY: 'secondly',
};

/** 429 bodies carry `errorType` and `policyName` instead of `category`. */
export function rateLimited(policy: RatePolicy): HttpError {
  return {
    status: 429,
    body: {
      status: 'error',
      message: `You have reached your ${POLICY_WORD[policy]} limit.`,
      errorType: 'RATE_LIMIT',
      correlationId: correlationId(),
      policyName: policy,
    },
  };
}

export function validationError(message: string, extra: ErrorBody = {}): HttpError {
  return error(400, 'VALIDATION_ERROR', message, extra);
}

export function notFound(message = 'resource not found'): HttpError {
  return error(404, 'OBJECT_NOT_FOUND', message);
}

export function conflict(message: string): HttpError {
  return error(409, 'OBJECT_ALREADY_EXISTS', message);
}

export function internalError(): HttpError {
  return error(500, 'INTERNAL_ERROR', 'internal error');
}

/** The search endpoint refuses to page past 10,000 results with a plain 400. */
export function searchCapExceeded(): HttpError {
  return validationError('There was a problem with the request.');
}

export interface PropertyProblem {
  readonly name: string;
  readonly error:
    | 'PROPERTY_DOESNT_EXIST'
    | 'READ_ONLY_VALUE'
    | 'INVALID_DECIMAL'
    | 'INVALID_OPTION'
    | 'INVALID_OWNER_ID';
  readonly message: string;
}

/**
 * A write naming an unknown or read-only property fails the whole request; HubSpot puts the
 * per-property problems, JSON-encoded, inside the message string.
 */
export function propertyValuesInvalid(problems: readonly PropertyProblem[], portalId: number): HttpError {
  const detail = problems.map((p) => ({
    isValid: false,
    message: p.message,
    error: p.error,
    name: p.name,
    localizedErrorMessage: p.message,
    portalId,
  }));
  return validationError(`Property values were not valid: ${JSON.stringify(detail)}`);
}

/** OAuth endpoint errors use `status` for the code, not "error". */
export function oauthError(status: string, message: string): HttpError {
  return { status: 400, body: { status, message, correlationId: correlationId() } };
}
