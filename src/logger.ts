import { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger, pino } from 'pino';

/**
 * pino, JSON on stderr (stdout belongs to `--json` documents). Secrets are removed three ways,
 * because any one alone leaks in practice: keys that name a secret are censored at any depth;
 * bearer tokens and `access_token=` query strings are scrubbed from every string; and every
 * credential value decrypted at run time is registered, so it is masked wherever it appears.
 */
const SECRET_KEY =
  /token|secret|password|passwd|authorization|credential|api[-_]?key|cookie|assertion|private[-_]?key/i;
const SECRET_IN_TEXT = [
  /(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /((?:access|refresh)_token|client_secret|password|hapikey)=([^&\s"']+)/gi,
];
const CENSOR = '[redacted]';
const knownSecrets = new Set<string>();

/** Mask this exact value in every later log line (called when credentials are decrypted). */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

export function scrubText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(CENSOR);
  }
  out = out.replace(SECRET_IN_TEXT[0] as RegExp, `$1 ${CENSOR}`);
  return out.replace(SECRET_IN_TEXT[1] as RegExp, `$1=${CENSOR}`);
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Buffer.isBuffer(value)) return CENSOR;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) {
    return redact({ ...value, type: value.name, message: value.message, stack: value.stack }, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== null && item !== undefined ? CENSOR : redact(item, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  readonly level?: string;
  readonly destination?: DestinationStream;
}

/**
 * stderr, unless a live display borrows the lines for a while: the progress of `salesops sync`
 * draws log lines above its own, where a line written straight to the terminal would cut into it.
 */
export interface LogOutlet extends DestinationStream {
  /** Lines go to `to` until it is called with null. */
  divert(to: ((line: string) => void) | null): void;
}

export function stderrOutlet(): LogOutlet {
  const stderr = pino.destination({ fd: 2, sync: true });
  let diverted: ((line: string) => void) | null = null;
  return {
    write(line: string) {
      if (diverted) diverted(line);
      else stderr.write(line);
    },
    divert(to) {
      diverted = to;
    },
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: 'salesops' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      // pino serialises after formatters.log; redact() already turned errors into plain objects,
      // and the default serializer would relabel them "Object".
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          // `logger.error(err)` makes pino take the line's message from err.message, past the
          // string scrubbing below: pass the error as a field and its message as a string.
          const [first, ...rest] = args as unknown[];
          const normalised =
            first instanceof Error ? [{ err: first }, ...(rest.length > 0 ? rest : [first.message])] : args;
          method.apply(
            this,
            normalised.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
  // A child's bindings ({ connection, stage, runId }) are serialised once, at creation, and pino
  // applies formatters.bindings to the root only: redact them on the way in. Children inherit
  // this method from the root through their prototype chain, so grandchildren are covered too.
  const pinoChild = logger.child as unknown as (
    this: Logger,
    bindings: Bindings,
    options?: ChildLoggerOptions,
  ) => Logger;
  logger.child = function redactedChild(this: Logger, bindings: Bindings, childOptions?: ChildLoggerOptions) {
    return pinoChild.call(this, redact(bindings) as Bindings, childOptions);
  } as unknown as Logger['child'];
  return logger;
}

export type { Logger };
