import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../sandboxes/salesforce/api-error.js';
import { parseSoql } from '../../../sandboxes/salesforce/soql/parser.js';
import { tokenize } from '../../../sandboxes/salesforce/soql/tokenizer.js';

function rejection(soql: string): ApiError {
  try {
    parseSoql(soql);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error(`expected ${soql} to be rejected`);
}

describe('SOQL tokenizer', () => {
  it('reads literals with their typed values', () => {
    const tokens = tokenize(
      "x = 'it\\'s' AND d > 2026-01-01T00:00:00Z AND c = 2026-02-01 AND n >= -12.5 AND t = '\\u00e9\\n'",
    );
    expect(tokens.filter((t) => t.kind === 'string').map((t) => t.value)).toEqual(["it's", 'é\n']);
    expect(tokens.find((t) => t.kind === 'datetime')?.value).toBe(Date.UTC(2026, 0, 1));
    expect(tokens.find((t) => t.kind === 'date')?.value).toBe('2026-02-01');
    expect(tokens.find((t) => t.kind === 'number')?.value).toBe(-12.5);
  });

  it('accepts datetime offsets and converts them to UTC', () => {
    const t = tokenize('2026-01-01T05:00:00+05:00')[0]!;
    expect(t.value).toBe(Date.UTC(2026, 0, 1));
    expect(tokenize('2026-01-01T05:00:00-0130')[0]!.value).toBe(Date.UTC(2026, 0, 1, 6, 30));
  });
});

describe('SOQL parser', () => {
  it('parses the incremental query the connector sends', () => {
    const q = parseSoql(
      'SELECT Id, SystemModstamp, IsDeleted FROM Opportunity WHERE SystemModstamp > 2026-01-01T00:00:00Z ' +
        "OR (SystemModstamp = 2026-01-01T00:00:00Z AND Id > '0065g0000000001AAA') ORDER BY SystemModstamp ASC, Id LIMIT 2000",
    );
    expect(q.select.map((s) => (s.kind === 'field' ? s.field.name : 'COUNT()'))).toEqual([
      'Id',
      'SystemModstamp',
      'IsDeleted',
    ]);
    expect(q.from.name).toBe('Opportunity');
    expect(q.where?.kind).toBe('or');
    expect(q.where?.kind === 'or' && q.where.items[1]?.kind).toBe('and');
    expect(q.orderBy).toEqual([
      { field: { name: 'SystemModstamp', pos: expect.any(Number) }, descending: false, nullsLast: false },
      { field: { name: 'Id', pos: expect.any(Number) }, descending: false, nullsLast: false },
    ]);
    expect(q.limit).toBe(2000);
  });

  it('is case-insensitive for keywords and handles IN, NOT IN, NOT, LIKE, null and booleans', () => {
    const q = parseSoql(
      "select Id from Lead where OwnerId in ('005000000000001', '005000000000002') and not Status = 'Closed' " +
        "and Rating not in ('Cold') and Email like '%@x.example' and ConvertedDate = null and IsConverted = false",
    );
    expect(q.where?.kind).toBe('and');
    const items = q.where?.kind === 'and' ? q.where.items : [];
    expect(items.map((c) => c.kind)).toEqual(['in', 'not', 'in', 'compare', 'compare', 'compare']);
    expect(items[2]?.kind === 'in' && items[2].negated).toBe(true);
    expect(items[4]?.kind === 'compare' && items[4].value.kind).toBe('null');
    expect(items[5]?.kind === 'compare' && items[5].value).toMatchObject({ kind: 'boolean', value: false });
  });

  it('reads ORDER BY directions with Salesforce null defaults and relative date literals', () => {
    const q = parseSoql(
      'SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_DAYS:30 ORDER BY Amount DESC, Name ASC NULLS LAST, CloseDate DESC NULLS FIRST',
    );
    // Salesforce: ascending puts nulls first, descending puts them last, unless told otherwise.
    expect(q.orderBy.map((o) => [o.descending, o.nullsLast])).toEqual([
      [true, true],
      [false, true],
      [true, false],
    ]);
    expect(q.where?.kind === 'compare' && q.where.value).toMatchObject({
      kind: 'relative',
      name: 'LAST_N_DAYS',
      n: 30,
    });
  });

  it('parses COUNT()', () => {
    expect(parseSoql('SELECT COUNT() FROM Lead').select).toEqual([{ kind: 'count', pos: 7 }]);
  });

  it.each([
    ['SELECT Id FORM Opportunity', "unexpected token: 'FORM'"],
    ['SELECT Id, FROM Opportunity', "unexpected token: 'FROM'"],
    ['SELECT FROM Opportunity', "unexpected token: 'FROM'"],
    ["SELECT Id FROM Lead WHERE Name = 'x' AND Rating = 'Hot' OR Status = 'Open'", "unexpected token: 'OR'"],
    ['SELECT Id FROM Lead WHERE Name =', "unexpected token: '<EOF>'"],
    ["SELECT Id FROM Lead WHERE (Name = 'x'", "unexpected token: '<EOF>'"],
    ['SELECT Id FROM Lead LIMIT ten', "unexpected token: 'ten'"],
    ['SELECT Id FROM Lead ORDER BY Name SIDEWAYS', "unexpected token: 'SIDEWAYS'"],
    ["SELECT Id FROM Lead WHERE Name = 'unterminated", 'mismatched character'],
    ["SELECT Id FROM Lead WHERE Name = 'bad \\q escape'", 'Illegal escape sequence'],
    ['SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01T00:00:00', 'unexpected token'], // a datetime needs a zone
    ['SELECT Id FROM Lead WHERE Name = #', "unexpected token: '#'"],
    ['SELECT COUNT(Id) FROM Lead', 'only COUNT()'],
    ['SELECT Id FROM Lead OFFSET 2001', 'Maximum SOQL offset allowed is 2000'],
  ])('rejects %s with MALFORMED_QUERY', (soql, reason) => {
    const e = rejection(soql);
    expect(e.status).toBe(400);
    expect(e.errorCode).toBe(soql.includes('OFFSET') ? 'NUMBER_OUTSIDE_VALID_RANGE' : 'MALFORMED_QUERY');
    expect(e.message).toContain(reason);
    // Salesforce's body: a one-element array with message and errorCode.
    expect(e.toBody()).toEqual([{ message: e.message, errorCode: e.errorCode }]);
  });

  it('points at the offending token with row and column, as Salesforce does', () => {
    const e = rejection('SELECT Id\nFROM Lead WHERE Name == 1');
    // "FROM Lead WHERE Name =" puts the second '=' in column 23 of the second line.
    expect(e.message).toBe(
      `\nFROM Lead WHERE Name == 1\n${' '.repeat(22)}^\nERROR at Row:2:Column:23\nunexpected token: '='`,
    );
  });
});
