import { queryError } from '../api-error.js';

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token (for idents and keywords, as written). */
  readonly text: string;
  readonly pos: number;
  /** Strings: the unescaped value; numbers: the number; datetimes: epoch ms; dates: `YYYY-MM-DD`. */
  readonly value?: string | number;
}

const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![\dT:])/y;
const NUMBER = /-?\d+(?:\.\d+)?(?![\w.])/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const OPS = ['<=', '>=', '!=', '<>', '=', '<', '>'];
const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function match(re: RegExp, src: string, pos: number): string | null {
  re.lastIndex = pos;
  const m = re.exec(src);
  return m ? m[0] : null;
}

/** Splits SOQL into tokens; anything it cannot read is a MALFORMED_QUERY at that spot. */
export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const malformed = (at: number, what: string) => queryError('MALFORMED_QUERY', soql, at, what);
  while (pos < soql.length) {
    const c = soql.charAt(pos);
    if (/\s/.test(c)) {
      pos++;
      continue;
    }
    if (c === "'") {
      const start = pos;
      let value = '';
      pos++;
      for (;;) {
        if (pos >= soql.length)
          throw malformed(start, `line 1:${start} mismatched character '<EOF>' expecting '''`);
        const ch = soql.charAt(pos);
        if (ch === "'") break;
        if (ch === '\\') {
          const next = soql.charAt(pos + 1);
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(soql.slice(pos + 2, pos + 6))) {
            value += String.fromCharCode(Number.parseInt(soql.slice(pos + 2, pos + 6), 16));
            pos += 6;
            continue;
          }
          // \_ and \% stay escaped: they only mean something inside LIKE patterns.
          if (next === '_' || next === '%') value += `\\${next}`;
          else if (ESCAPES[next] !== undefined) value += ESCAPES[next];
          else
            throw malformed(
              pos,
              `Invalid string literal '${soql.slice(start, pos + 2)}'. Illegal escape sequence '\\${next}'`,
            );
          pos += 2;
          continue;
        }
        value += ch;
        pos++;
      }
      pos++;
      tokens.push({ kind: 'string', text: soql.slice(start, pos), pos: start, value });
      continue;
    }
    const datetime = match(DATETIME, soql, pos);
    if (datetime) {
      const ms = Date.parse(datetime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isNaN(ms)) throw malformed(pos, `unexpected token: '${datetime}'`);
      tokens.push({ kind: 'datetime', text: datetime, pos, value: ms });
      pos += datetime.length;
      continue;
    }
    const date = match(DATE, soql, pos);
    if (date) {
      if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw malformed(pos, `unexpected token: '${date}'`);
      tokens.push({ kind: 'date', text: date, pos, value: date });
      pos += date.length;
      continue;
    }
    const number = match(NUMBER, soql, pos);
    if (number) {
      tokens.push({ kind: 'number', text: number, pos, value: Number(number) });
      pos += number.length;
      continue;
    }
    const ident = match(IDENT, soql, pos);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident, pos });
      pos += ident.length;
      continue;
    }
    const op = OPS.find((o) => soql.startsWith(o, pos));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos });
      pos += op.length;
      continue;
    }
    if ('(),:'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos });
      pos++;
      continue;
    }
    throw malformed(pos, `unexpected token: '${c}'`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: soql.length });
  return tokens;
}
