import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CalendarInputError } from '../calendar/calendar-input-error.js';
import { ConnectionNotFoundError, DuplicateConnectionError } from '../connections/connection-store.js';
import { DomainError } from '../domain-error.js';
import { ImportFileError } from '../imports/import-file-error.js';
import { ServiceUnavailableError } from '../service-check.js';

/** An RFC 9457 problem document; `problems` lists an import's bad lines. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    problems: z.array(z.object({ line: z.number().int().nullable(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem document (application/problem+json)' });
export type Problem = z.infer<typeof problemSchema>;

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error the API raises itself, already knowing its status. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    detail: string,
    readonly problems?: readonly { readonly line: number | null; readonly message: string }[],
    /** Seconds a client should wait (429). */
    readonly retryAfter?: number,
  ) {
    super(detail);
  }
}

export function problem(
  status: number,
  detail: string,
  problems?: readonly { readonly line: number | null; readonly message: string }[],
): Problem {
  return {
    type: status === 500 ? 'about:blank' : `https://salesops.dev/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(problems && { problems: [...problems] }),
  };
}

interface FastifyLikeError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly message: string;
}

/**
 * The API's one mapping from an error to what a client sees (DESIGN §2: each surface maps domain
 * errors once). `unexpected` is a bug to log, never its message to show.
 */
export function problemFor(error: unknown): { readonly problem: Problem; readonly unexpected: boolean } {
  const known = (
    status: number,
    detail: string,
    problems?: readonly { readonly line: number | null; readonly message: string }[],
  ) => ({
    problem: problem(status, detail, problems),
    unexpected: false,
  });
  if (error instanceof ApiProblem) return known(error.status, error.message, error.problems);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const detail = error.validation
      .map(
        (issue) =>
          `${issue.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'input'}: ${issue.message}`,
      )
      .join('; ');
    return known(400, `The request is not valid (${detail}); fix it and send it again.`);
  }
  if (error instanceof CalendarInputError) return known(400, error.message);
  if (error instanceof ConnectionNotFoundError) return known(404, error.message);
  if (error instanceof DuplicateConnectionError) return known(409, error.message);
  if (error instanceof ImportFileError) return known(422, error.message);
  if (error instanceof ServiceUnavailableError) return known(503, error.message);
  if (error instanceof DomainError) return known(error.invalidInput ? 400 : 409, error.message);
  const f = error as FastifyLikeError;
  if (f?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return known(413, 'The request body is larger than this endpoint accepts; send a smaller one.');
  }
  if (f?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return known(
      415,
      'This endpoint does not accept that Content-Type; see /openapi.json for what it takes.',
    );
  }
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return known(f.statusCode, `The request was refused (${f.message}); fix it and send it again.`);
  }
  return {
    problem: problem(
      500,
      'The server failed unexpectedly; the error is logged, report it with the time of the request.',
    ),
    unexpected: true,
  };
}
