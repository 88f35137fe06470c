import { type DestinationStream, type Logger, pino } from 'pino';

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

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'salesops' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

export type { Logger };
