import { queryError } from '../api-error.js';
import { type Token, tokenize } from './tokenizer.js';

/** The SOQL subset the sandbox understands, as a tree. Positions point back into the text. */
export type Literal =
  | { readonly kind: 'string'; readonly value: string; readonly pos: number }
  | { readonly kind: 'number'; readonly value: number; readonly pos: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly pos: number }
  | { readonly kind: 'null'; readonly pos: number }
  | { readonly kind: 'date'; readonly value: string; readonly pos: number }
  | { readonly kind: 'datetime'; readonly value: number; readonly pos: number }
  /** TODAY, LAST_N_DAYS:n ... resolved against the org's clock and time zone when evaluated. */
  | { readonly kind: 'relative'; readonly name: string; readonly n: number | null; readonly pos: number };

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

export interface FieldRef {
  readonly name: string;
  readonly pos: number;
}

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly items: readonly Condition[] }
  | { readonly kind: 'not'; readonly item: Condition }
  | { readonly kind: 'compare'; readonly field: FieldRef; readonly op: ComparisonOp; readonly value: Literal }
  | {
      readonly kind: 'in';
      readonly field: FieldRef;
      readonly negated: boolean;
      readonly values: readonly Literal[];
    };

export interface OrderItem {
  readonly field: FieldRef;
  readonly descending: boolean;
  readonly nullsLast: boolean;
}

export type SelectItem =
  | { readonly kind: 'field'; readonly field: FieldRef }
  | { readonly kind: 'count'; readonly pos: number };

export interface SoqlQuery {
  readonly text: string;
  readonly select: readonly SelectItem[];
  readonly from: FieldRef;
  readonly where: Condition | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: number | null;
  readonly offset: number | null;
}

const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'LIMIT',
  'OFFSET',
  'NULL',
  'TRUE',
  'FALSE',
  'ASC',
  'DESC',
  'NULLS',
  'GROUP',
  'HAVING',
  'INCLUDES',
  'EXCLUDES',
  'WITH',
  'USING',
  'FOR',
]);
const RELATIVE_DATES = new Set([
  'TODAY',
  'YESTERDAY',
  'TOMORROW',
  'THIS_MONTH',
  'LAST_MONTH',
  'NEXT_MONTH',
  'THIS_YEAR',
  'LAST_YEAR',
]);
const RELATIVE_N = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS']);

/** Recursive-descent parser over the token stream; every failure is Salesforce's MALFORMED_QUERY. */
export function parseSoql(text: string): SoqlQuery {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token => tokens[i]!;
  const next = (): Token => tokens[i++]!;
  const unexpected = (t: Token = peek()) =>
    queryError('MALFORMED_QUERY', text, t.pos, `unexpected token: '${t.text}'`);
  const isKeyword = (word: string, t: Token = peek()) => t.kind === 'ident' && t.text.toUpperCase() === word;
  const expectKeyword = (word: string) => {
    if (!isKeyword(word)) throw unexpected();
    return next();
  };
  const expectPunct = (p: string) => {
    const t = peek();
    if (t.kind !== 'punct' || t.text !== p) throw unexpected();
    return next();
  };
  const fieldRef = (): FieldRef => {
    const t = peek();
    if (t.kind !== 'ident' || RESERVED.has(t.text.toUpperCase())) throw unexpected();
    next();
    return { name: t.text, pos: t.pos };
  };

  const literal = (): Literal => {
    const t = next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: String(t.value), pos: t.pos };
      case 'number':
        return { kind: 'number', value: Number(t.value), pos: t.pos };
      case 'date':
        return { kind: 'date', value: String(t.value), pos: t.pos };
      case 'datetime':
        return { kind: 'datetime', value: Number(t.value), pos: t.pos };
      case 'ident': {
        const word = t.text.toUpperCase();
        if (word === 'NULL') return { kind: 'null', pos: t.pos };
        if (word === 'TRUE' || word === 'FALSE')
          return { kind: 'boolean', value: word === 'TRUE', pos: t.pos };
        if (RELATIVE_DATES.has(word)) return { kind: 'relative', name: word, n: null, pos: t.pos };
        if (RELATIVE_N.has(word)) {
          expectPunct(':');
          const n = next();
          if (n.kind !== 'number' || !Number.isInteger(n.value) || Number(n.value) < 0) throw unexpected(n);
          return { kind: 'relative', name: word, n: Number(n.value), pos: t.pos };
        }
        throw unexpected(t);
      }
      default:
        throw unexpected(t);
    }
  };

  const predicate = (): Condition => {
    const field = fieldRef();
    if (isKeyword('NOT') || isKeyword('IN')) {
      const negated = isKeyword('NOT');
      if (negated) next();
      expectKeyword('IN');
      expectPunct('(');
      if (isKeyword('SELECT'))
        throw queryError(
          'MALFORMED_QUERY',
          text,
          peek().pos,
          'semi-join sub-selects are not supported by the sandbox',
        );
      const values = [literal()];
      while (peek().kind === 'punct' && peek().text === ',') {
        next();
        values.push(literal());
      }
      expectPunct(')');
      return { kind: 'in', field, negated, values };
    }
    if (isKeyword('LIKE')) {
      next();
      const value = literal();
      if (value.kind !== 'string')
        throw queryError('MALFORMED_QUERY', text, value.pos, 'LIKE needs a string pattern');
      return { kind: 'compare', field, op: 'LIKE', value };
    }
    const op = peek();
    if (op.kind !== 'op') throw unexpected(op);
    next();
    const value = literal();
    return { kind: 'compare', field, op: op.text === '<>' ? '!=' : (op.text as ComparisonOp), value };
  };

  const unary = (): Condition => {
    if (isKeyword('NOT')) {
      next();
      return { kind: 'not', item: unary() };
    }
    if (peek().kind === 'punct' && peek().text === '(') {
      next();
      const inner = condition();
      expectPunct(')');
      return inner;
    }
    return predicate();
  };

  // SOQL gives AND and OR no precedence: mixing them without parentheses is a syntax error.
  const condition = (): Condition => {
    const first = unary();
    const items = [first];
    let joiner: 'AND' | 'OR' | null = null;
    while (isKeyword('AND') || isKeyword('OR')) {
      const word = peek().text.toUpperCase() as 'AND' | 'OR';
      if (joiner !== null && joiner !== word) throw unexpected();
      joiner = word;
      next();
      items.push(unary());
    }
    if (joiner === null) return first;
    return { kind: joiner === 'AND' ? 'and' : 'or', items };
  };

  const integer = (): number => {
    const t = next();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || Number(t.value) < 0) throw unexpected(t);
    return Number(t.value);
  };

  expectKeyword('SELECT');
  const select: SelectItem[] = [];
  do {
    if (select.length > 0) next();
    if (isKeyword('COUNT') && tokens[i + 1]?.text === '(') {
      const at = next().pos;
      expectPunct('(');
      if (!(peek().kind === 'punct' && peek().text === ')')) {
        throw queryError(
          'MALFORMED_QUERY',
          text,
          peek().pos,
          'only COUNT() is supported by the sandbox, not aggregate COUNT(field)',
        );
      }
      expectPunct(')');
      select.push({ kind: 'count', pos: at });
    } else {
      select.push({ kind: 'field', field: fieldRef() });
    }
  } while (peek().kind === 'punct' && peek().text === ',');
  if (select.some((s) => s.kind === 'count') && select.length > 1) throw unexpected(tokens[i - 1]);
  expectKeyword('FROM');
  // `Group` is an sObject (queues, public groups): after FROM it is a name, not GROUP BY.
  const from = isKeyword('GROUP') ? { name: next().text, pos: tokens[i - 1]!.pos } : fieldRef();
  let where: Condition | null = null;
  if (isKeyword('WHERE')) {
    next();
    where = condition();
  }
  const orderBy: OrderItem[] = [];
  if (isKeyword('ORDER')) {
    next();
    expectKeyword('BY');
    do {
      if (orderBy.length > 0) next();
      const field = fieldRef();
      let descending = false;
      if (isKeyword('ASC') || isKeyword('DESC')) descending = next().text.toUpperCase() === 'DESC';
      // Salesforce's defaults: nulls first ascending, nulls last descending.
      let nullsLast = descending;
      if (isKeyword('NULLS')) {
        next();
        if (isKeyword('FIRST')) nullsLast = false;
        else if (isKeyword('LAST')) nullsLast = true;
        else throw unexpected();
        next();
      }
      orderBy.push({ field, descending, nullsLast });
    } while (peek().kind === 'punct' && peek().text === ',');
  }
  let limit: number | null = null;
  let offset: number | null = null;
  if (isKeyword('LIMIT')) {
    next();
    limit = integer();
  }
  if (isKeyword('OFFSET')) {
    next();
    const at = peek();
    offset = integer();
    if (offset > 2000)
      throw queryError('NUMBER_OUTSIDE_VALID_RANGE', text, at.pos, 'Maximum SOQL offset allowed is 2000');
  }
  if (peek().kind !== 'eof') throw unexpected();
  return { text, select, from, where, orderBy, limit, offset };
}
